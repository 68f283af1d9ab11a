import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecord, formatterProperties, recordJson } from '../../src/common/message-formatter.ts';
import type { ConsumedRecord } from '../../src/common/partition-reader.ts';

const record: ConsumedRecord = {
  topic: 't', partition: 2, offset: 41n, timestamp: 1_700_000_000_000n, timestampType: 'LogAppendTime',
  key: Buffer.from('k'), value: Buffer.from('v'), headers: [['a', Buffer.from('1')], ['b', null]],
};

describe('message-formatter', () => {
  it('prints the value alone by default', () => {
    assert.equal(formatRecord(record, formatterProperties([])).toString(), 'v\n');
  });

  it('prints fields in Kafka\'s order with every print.* property', () => {
    const p = formatterProperties(['timestamp', 'partition', 'offset', 'headers', 'key'].map((f) => [`print.${f}`, 'true']));
    assert.equal(formatRecord(record, p).toString(), 'LogAppendTime:1700000000000\tPartition:2\tOffset:41\ta:1,b:null\tk\tv\n');
  });

  it('takes separators (with \\t and \\n escapes), null.literal and print.value=false', () => {
    const p = formatterProperties([['print.key', 'true'], ['print.headers', 'true'], ['key.separator', ' | '], ['line.separator', '\\n--\\n'],
      ['headers.separator', ';'], ['headers.key.separator', '='], ['null.literal', '(none)'], ['print.value', 'false']]);
    assert.equal(formatRecord({ ...record, key: null }, p).toString(), 'a=1;b=(none) | (none)\n--\n');
    assert.equal(formatRecord({ ...record, headers: [] }, p).toString(), 'NO_HEADERS | k\n--\n');
  });

  it('gives JSON with text keys and values', () => {
    assert.deepEqual(recordJson(record), {
      topic: 't', partition: 2, offset: 41n, timestamp: 1_700_000_000_000n, timestampType: 'LogAppendTime',
      key: 'k', value: 'v', headers: [['a', '1'], ['b', null]],
    });
  });

  it('refuses unknown properties', () => {
    assert.throws(() => formatterProperties([['print.keys', 'true']]), /--property print\.keys is not known/);
  });
});
