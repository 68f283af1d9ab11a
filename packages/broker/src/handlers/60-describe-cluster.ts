/**
 * DescribeCluster (key 60), v0-1: cluster id, controller and brokers. v1's endpoint type
 * 1 (brokers) is the only one served; 2 (controllers) gets UNSUPPORTED_ENDPOINT_TYPE, as
 * a broker in Kafka answers it.
 */
import { ApiKey, DescribeClusterRequest, DescribeClusterResponse, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function describeClusterHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeCluster,
    request: DescribeClusterRequest,
    response: DescribeClusterResponse,
    minVersion: 0,
    maxVersion: 1,
    handle(req, ctx) {
      if (ctx.apiVersion >= 1 && req.endpointType !== 1) {
        return { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Samsa brokers describe broker endpoints only', endpointType: req.endpointType };
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        endpointType: 1,
        clusterId: s.metadata.clusterId,
        controllerId: s.nodeId,
        brokers: s.metadata.brokers().map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterAuthorizedOperations: -2147483648,
      };
    },
  });
}
