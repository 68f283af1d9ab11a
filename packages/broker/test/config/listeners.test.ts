import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatListeners, parseListeners, parseSecurityProtocolMap } from '../../src/config/listeners.ts';

describe('parseListeners', () => {
  it('parses names, hosts and ports; an empty host means every interface', () => {
    const parsed = parseListeners('PLAINTEXT://127.0.0.1:9092,SSL://:9093');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, [
      { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
      { name: 'SSL', securityProtocol: 'SSL', host: '', port: 9093 },
    ]);
  });

  it('accepts bracketed IPv6, host names, port 0 and blanks around items', () => {
    const parsed = parseListeners(' PLAINTEXT://[::1]:0 , INTERNAL://broker-1.example.com:19092 ');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.map((l) => [l.name, l.host, l.port]), [['PLAINTEXT', '::1', 0], ['INTERNAL', 'broker-1.example.com', 19092]]);
    assert.equal(formatListeners(parsed.value), 'PLAINTEXT://[::1]:0,INTERNAL://broker-1.example.com:19092');
  });

  it('upper-cases listener names, as Kafka normalises them', () => {
    const parsed = parseListeners('plaintext://localhost:9092');
    assert.ok(parsed.ok);
    assert.equal(parsed.value[0]?.name, 'PLAINTEXT');
  });

  for (const bad of ['localhost:9092', 'PLAINTEXT://localhost', 'PLAINTEXT://localhost:port', 'PLAINTEXT://localhost:70000', 'PLAINTEXT://a:1,', '://a:1', 'PLAIN TEXT://a:1']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      const parsed = parseListeners(bad);
      assert.equal(parsed.ok, false);
    });
  }
});

describe('parseSecurityProtocolMap', () => {
  it('parses NAME:PROTOCOL pairs, case-insensitively', () => {
    const parsed = parseSecurityProtocolMap('INTERNAL:plaintext, EXTERNAL:SASL_SSL');
    assert.ok(parsed.ok);
    assert.deepEqual([...parsed.value], [['INTERNAL', 'PLAINTEXT'], ['EXTERNAL', 'SASL_SSL']]);
  });

  it('rejects unknown protocols, missing colons and names mapped twice', () => {
    for (const bad of ['A:TLS', 'A', ':PLAINTEXT', 'A:PLAINTEXT,a:SSL']) assert.equal(parseSecurityProtocolMap(bad).ok, false, bad);
  });
});
