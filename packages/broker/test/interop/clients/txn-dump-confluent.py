#!/usr/bin/python3
"""Reads a whole topic with a confluent-kafka (librdkafka) consumer and prints every record.

Usage: txn-dump-confluent.py BOOTSTRAP TOPIC PARTITIONS ISOLATION

ISOLATION is read_committed or read_uncommitted. Every partition is read from the start
until librdkafka reports its end (the last stable offset under read_committed, the high
watermark otherwise). One JSON line per record {"p", "o", "v"}, then {"done": count}.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING


def main():
    bootstrap, topic, partitions, isolation = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    c = Consumer({
        "bootstrap.servers": bootstrap, "group.id": "txn-dump-unused", "enable.auto.commit": False,
        "isolation.level": isolation, "enable.partition.eof": True,
    })
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    at_end = set()
    count = 0
    deadline = time.time() + 60
    while len(at_end) < partitions:
        if time.time() > deadline:
            print(json.dumps({"error": "timed out", "at_end": sorted(at_end)}), flush=True)
            sys.exit(1)
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(m.partition())
                continue
            print(json.dumps({"error": str(m.error())}), flush=True)
            sys.exit(1)
        at_end.discard(m.partition())
        count += 1
        sys.stdout.write(json.dumps({"p": m.partition(), "o": m.offset(), "v": m.value().decode()}) + "\n")
    c.close()
    print(json.dumps({"done": count}), flush=True)


if __name__ == "__main__":
    main()
