/** The broker the tool tests talk to: the real `samsa broker` process (see the broker's test helper). */
export { startBrokerProcess, type BrokerProcess } from '../../../broker/test/helpers/broker-process.ts';
