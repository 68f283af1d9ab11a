#!/usr/bin/python3
"""A confluent-kafka (librdkafka) group member that reports what it does, for the
consumer-group interop tests.

Usage: group-consumer-confluent.py BOOTSTRAP TOPIC GROUP LABEL
           [--strategy roundrobin] [--instance-id ID] [--session-timeout-ms 6000]

One JSON object per stdout line, each with the member's LABEL as "c" and the wall clock
in ms as "t":
  {"ev": "assigned", "gen", "member", "parts", "incremental"}  rebalance callback
  {"ev": "revoked"|"lost", "gen", "member", "parts", "incremental"}
  {"ev": "rec", "p", "o", "v"}                                  a record read
  {"ev": "committed", "p", "o"} / {"ev": "commit-failed", "p", "o", "err"}
After each record it commits offset+1 synchronously, unless the value ends in ":hold"
(so the tests know exactly what is uncommitted). Runs until killed or stdin closes.
"""
import argparse
import json
import struct
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def group_position(consumer):
    """(generation, member id) from librdkafka's serialized group metadata:
    "CGMDv2:" int32 generation (host order), group id NUL, member id NUL, ..."""
    raw = bytes(consumer.consumer_group_metadata())
    if not raw.startswith(b"CGMDv2:"):
        return -1, ""
    (gen,) = struct.unpack("=i", raw[7:11])
    fields = raw[11:].split(b"\x00")
    return gen, fields[1].decode() if len(fields) > 1 else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("group")
    ap.add_argument("label")
    ap.add_argument("--strategy", default="roundrobin")
    ap.add_argument("--instance-id", default=None)
    ap.add_argument("--session-timeout-ms", type=int, default=6000)
    args = ap.parse_args()

    conf = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "client.id": args.label,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": args.session_timeout_ms,
        "heartbeat.interval.ms": 1000,
        "max.poll.interval.ms": 20000,
        "partition.assignment.strategy": args.strategy,
        "topic.metadata.refresh.interval.ms": 2000,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
    }
    if args.instance_id:
        conf["group.instance.id"] = args.instance_id
    c = Consumer(conf)
    label = args.label
    # confluent-kafka 1.7.0 has incremental_assign() but not rebalance_protocol(); the
    # protocol follows from the strategy (librdkafka does not mix eager and cooperative).
    cooperative = args.strategy == "cooperative-sticky"

    def report(ev, partitions):
        gen, member = group_position(c)
        emit({"ev": ev, "c": label, "t": time.time() * 1000, "gen": gen, "member": member,
              "parts": sorted(tp.partition for tp in partitions),
              "incremental": cooperative})

    def on_assign(consumer, partitions):
        report("assigned", partitions)
        if cooperative:
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)

    def on_revoke(consumer, partitions):
        report("revoked", partitions)
        if cooperative:
            consumer.incremental_unassign(partitions)
        else:
            consumer.unassign()

    def on_lost(consumer, partitions):
        report("lost", partitions)
        if cooperative:
            consumer.incremental_unassign(partitions)
        else:
            consumer.unassign()

    c.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error():
            emit({"ev": "error", "c": label, "t": time.time() * 1000, "err": str(m.error())})
            continue
        v = m.value().decode()
        emit({"ev": "rec", "c": label, "t": time.time() * 1000, "p": m.partition(), "o": m.offset(), "v": v})
        if v.endswith(":hold"):
            continue
        try:
            c.commit(offsets=[TopicPartition(m.topic(), m.partition(), m.offset() + 1)], asynchronous=False)
            emit({"ev": "committed", "c": label, "t": time.time() * 1000, "p": m.partition(), "o": m.offset() + 1})
        except KafkaException as e:
            emit({"ev": "commit-failed", "c": label, "t": time.time() * 1000, "p": m.partition(), "o": m.offset() + 1, "err": str(e)})
    c.close()
    emit({"ev": "closed", "c": label, "t": time.time() * 1000})


if __name__ == "__main__":
    main()
