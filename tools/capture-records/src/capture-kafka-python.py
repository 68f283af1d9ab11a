#!/usr/bin/python3
"""Writes record fixtures with kafka-python's own encoders (Debian python3-kafka 2.0.2).

Run from the repository root:  /usr/bin/python3 tools/capture-records/src/capture-kafka-python.py
Needs python3-kafka, python3-snappy, python3-lz4, python3-zstandard and (for magic 0 lz4)
python3-xxhash. Each case writes NAME.bin (the records blob as the client built it) and
NAME.json (what the script put in, for the tests to compare against).
"""
import base64
import json
import os
import random
import struct
import sys

import kafka
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder

OUT = os.path.join('packages', 'protocol', 'test', 'fixtures', 'records', 'kafka-python')
CLIENT = 'kafka-python ' + kafka.__version__
CODECS = {'none': 0, 'gzip': 1, 'snappy': 2, 'lz4': 3, 'zstd': 4}
BASE_TS = 1763740800000  # 2025-11-21T16:00:00Z


def b64(v):
    return None if v is None else base64.b64encode(bytes(v)).decode('ascii')


def sample_records(rng, n, with_headers=True):
    """Compressible JSON-ish values plus the awkward cases: null/empty keys and values,
    non-ASCII, binary, repeated and null-valued headers, timestamps out of order."""
    out = []
    for i in range(n):
        key = None if i % 7 == 3 else ('user-%d' % (i % 5)).encode()
        if i % 11 == 5:
            key = b''
        if i % 9 == 4:
            value = None
        elif i % 13 == 6:
            value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        else:
            value = json.dumps({'id': i, 'event': ['click', 'view', 'buy'][i % 3],
                                'city': ['Zürich', 'Kraków', 'São Paulo'][i % 3],
                                'amount': i * 7 % 1000}).encode()
        headers = []
        if with_headers and i % 3 == 0:
            headers = [('trace-id', ('%032x' % rng.getrandbits(128)).encode()),
                       ('empty', b''), ('null', None), ('trace-id', b'dup'), ('clé', 'ü'.encode())]
        ts = BASE_TS + i * 10 - (25 if i % 4 == 2 else 0)
        out.append({'key': key, 'value': value, 'headers': headers, 'timestamp': ts})
    return out


def write(name, blob, description, entries, records):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + '.bin'), 'wb') as f:
        f.write(bytes(blob))
    doc = {'client': CLIENT, 'description': description, 'entries': entries, 'records': records}
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print('%-28s %6d bytes' % (name, len(blob)))


def v2_batch(records, codec, transactional=False, producer_id=-1, producer_epoch=-1, base_sequence=-1):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=CODECS[codec], is_transactional=transactional,
                                  producer_id=producer_id, producer_epoch=producer_epoch,
                                  base_sequence=base_sequence, batch_size=1 << 20)
    for i, r in enumerate(records):
        assert b.append(i, timestamp=r['timestamp'], key=r['key'], value=r['value'], headers=r['headers']) is not None
    return bytes(b.build())


def v2_expected(records, base_offset):
    return [{'offset': str(base_offset + i), 'timestamp': str(r['timestamp']), 'key': b64(r['key']),
             'value': b64(r['value']), 'headers': [{'key': k, 'value': b64(v)} for k, v in r['headers']]}
            for i, r in enumerate(records)]


def patch_base_offset(blob, offset):
    # What a leader does on append: baseOffset lies outside the CRC.
    blob = bytearray(blob)
    struct.pack_into('>q', blob, 0, offset)
    return bytes(blob)


def main():
    rng = random.Random(20261121)
    for codec in ['none', 'gzip', 'snappy', 'lz4', 'zstd']:
        recs = sample_records(rng, 40)
        blob = v2_batch(recs, codec)
        write('v2-' + codec, blob, 'DefaultRecordBatchBuilder, magic 2, %s, as produced' % codec,
              [{'magic': 2, 'compression': codec, 'offset': '0', 'recordCount': len(recs), 'producerId': '-1',
                'producerEpoch': -1, 'baseSequence': -1, 'transactional': False}],
              v2_expected(recs, 0))

    recs = sample_records(rng, 5)
    blob = v2_batch(recs, 'none', transactional=True, producer_id=4242, producer_epoch=7, base_sequence=100)
    write('v2-transactional', blob, 'idempotent transactional batch (producer id, epoch, base sequence)',
          [{'magic': 2, 'compression': 'none', 'offset': '0', 'recordCount': 5, 'producerId': '4242',
            'producerEpoch': 7, 'baseSequence': 100, 'transactional': True}],
          v2_expected(recs, 0))

    # A log-like blob: three batches with leader-assigned base offsets, mixed codecs.
    parts, entries, expected, next_offset = [], [], [], 1000
    for codec in ['gzip', 'none', 'zstd']:
        recs = sample_records(rng, 12, with_headers=False)
        parts.append(patch_base_offset(v2_batch(recs, codec), next_offset))
        entries.append({'magic': 2, 'compression': codec, 'offset': str(next_offset), 'recordCount': len(recs),
                        'producerId': '-1', 'producerEpoch': -1, 'baseSequence': -1, 'transactional': False})
        expected += v2_expected(recs, next_offset)
        next_offset += len(recs)
    write('v2-log-three-batches', b''.join(parts), 'three batches back to back, base offsets patched as a leader does',
          entries, expected)

    for magic in [0, 1]:
        for codec in ['none', 'gzip', 'snappy', 'lz4']:
            recs = sample_records(rng, 25, with_headers=False)
            b = LegacyRecordBatchBuilder(magic=magic, compression_type=CODECS[codec], batch_size=1 << 20)
            for i, r in enumerate(recs):
                assert b.append(i, timestamp=r['timestamp'], key=r['key'], value=r['value']) is not None
            blob = bytes(b.build())
            n = len(recs)
            if codec == 'none':
                offsets = list(range(n))
                entries = [{'magic': magic, 'compression': codec, 'offset': str(i)} for i in range(n)]
            else:
                # kafka-python leaves the wrapper offset 0 for the broker to set. Inner offsets
                # are absolute in magic 0 and relative in magic 1, where Kafka counts them back
                # from the wrapper's offset: wrapper - last inner + inner.
                offsets = list(range(n)) if magic == 0 else [i - (n - 1) for i in range(n)]
                entries = [{'magic': magic, 'compression': codec, 'offset': '0'}]
            write('v%d-%s' % (magic, codec), blob,
                  'LegacyRecordBatchBuilder, magic %d, %s, as produced' % (magic, codec), entries,
                  [{'offset': str(offsets[i]), 'timestamp': str(r['timestamp'] if magic == 1 else -1),
                    'key': b64(r['key']), 'value': b64(r['value']), 'headers': []} for i, r in enumerate(recs)])

    # Magic 1 wrappers after a leader appended them: wrapper offset = last absolute offset.
    parts, entries, expected, next_offset = [], [], [], 500
    for codec in ['snappy', 'gzip']:
        recs = sample_records(rng, 6, with_headers=False)
        b = LegacyRecordBatchBuilder(magic=1, compression_type=CODECS[codec], batch_size=1 << 20)
        for i, r in enumerate(recs):
            b.append(i, timestamp=r['timestamp'], key=r['key'], value=r['value'])
        last = next_offset + len(recs) - 1
        parts.append(patch_base_offset(bytes(b.build()), last))
        entries.append({'magic': 1, 'compression': codec, 'offset': str(last)})
        expected += [{'offset': str(next_offset + i), 'timestamp': str(r['timestamp']), 'key': b64(r['key']),
                      'value': b64(r['value']), 'headers': []} for i, r in enumerate(recs)]
        next_offset += len(recs)
    write('v1-log-two-wrappers', b''.join(parts), 'two magic 1 wrappers with leader-assigned offsets', entries, expected)


if __name__ == '__main__':
    if not os.path.isdir(os.path.join('packages', 'protocol')):
        sys.exit('run from the repository root')
    main()
