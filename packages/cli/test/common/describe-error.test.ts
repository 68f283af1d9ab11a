import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { CliError } from '../../src/common/cli-error.ts';
import { describeError } from '../../src/common/describe-error.ts';

describe('describe-error', () => {
  it('finds Kafka\'s error names and the broker\'s messages inside the client\'s nested errors', () => {
    const nested = new MultipleErrors('Creating topics failed.', [
      new MultipleErrors('Received response with error', [new ProtocolError('TOPIC_ALREADY_EXISTS', "Topic 'x' already exists.")]),
      new ProtocolError('TOPIC_ALREADY_EXISTS', "Topic 'x' already exists."),
    ]);
    assert.equal(describeError(nested), "TOPIC_ALREADY_EXISTS: Topic 'x' already exists.");
  });

  it('reports a socket error by its cause, and our own errors as they are', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(describeError(new NetworkError('Connection failed', { cause: refused })), 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(describeError(new CliError('topic "t" does not exist')), 'topic "t" does not exist');
    assert.equal(describeError('plain'), 'plain');
  });
});
