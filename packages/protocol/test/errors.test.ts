import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptRecordError, ErrorCode, ProtocolError, SamsaError, SamsaErrorCodes, kafkaErrors } from '../src/index.ts';

describe('error registries', () => {
  it('documents every Samsa error code in one line', () => {
    for (const [code, description] of Object.entries(SamsaErrorCodes)) {
      assert.match(code, /^SAMSA_ERR_[A-Z0-9_]+$/);
      assert.ok(description.length >= 10 && !description.includes('\n'), `${code} needs a one-line description`);
    }
  });

  it('documents every Kafka error code, each name and code once', () => {
    const names = new Set<string>();
    for (const [code, info] of kafkaErrors) {
      assert.equal(info.code, code);
      assert.equal(ErrorCode[info.name], code);
      assert.ok(!names.has(info.name), `${info.name} twice`);
      names.add(info.name);
      if (code !== 0) assert.ok(info.description.length >= 10, `${info.name} needs a description`);
    }
    assert.equal(kafkaErrors.get(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)?.retriable, true);
    assert.equal(kafkaErrors.get(ErrorCode.TOPIC_ALREADY_EXISTS)?.retriable, false);
  });

  it('recognises Samsa errors with instanceof, also across copies of the module', () => {
    const e = new ProtocolError('SAMSA_ERR_PROTOCOL_TRUNCATED', 'x');
    assert.ok(e instanceof SamsaError);
    assert.ok(e instanceof ProtocolError);
    assert.ok(!(e instanceof CorruptRecordError));
    // An error made by another copy of the module carries the same registered brand.
    const foreign = Object.defineProperty(new Error('y'), Symbol.for('samsa.error'), { value: true });
    assert.ok(foreign instanceof SamsaError);
    assert.ok(!(new Error('z') instanceof SamsaError));
  });
});
