#!/usr/bin/python3
"""A kafka-python 2.0.2 group member that reports what it does, for the consumer-group
interop tests. kafka-python joins with JoinGroup v2 / SyncGroup v1 (one-step join) and
commits with OffsetCommit v2.

Usage: group-consumer-kafka-python.py BOOTSTRAP TOPIC GROUP LABEL [--session-timeout-ms 6000]

Same JSON lines as group-consumer-confluent.py: "assigned"/"revoked" (with the
generation and member id, read from the coordinator since kafka-python's listener is
not given them), "rec", "committed"/"commit-failed". Commits offset+1 synchronously
after each record unless its value ends in ":hold". Assignment strategy: roundrobin.
Runs until killed or stdin closes.
"""
import argparse
import json
import sys
import threading
import time

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import KafkaError


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("group")
    ap.add_argument("label")
    ap.add_argument("--session-timeout-ms", type=int, default=6000)
    args = ap.parse_args()
    label = args.label

    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        client_id=label,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=args.session_timeout_ms,
        heartbeat_interval_ms=1000,
        max_poll_interval_ms=20000,
        request_timeout_ms=25000,
        retry_backoff_ms=100,
        reconnect_backoff_ms=50,
        reconnect_backoff_max_ms=500,
        api_version_auto_timeout_ms=15000,
        partition_assignment_strategy=[RoundRobinPartitionAssignor],
    )

    def report(ev, partitions):
        gen = consumer._coordinator._generation  # noqa: SLF001 - not passed to listeners
        emit({"ev": ev, "c": label, "t": time.time() * 1000, "gen": gen.generation_id, "member": gen.member_id,
              "parts": sorted(tp.partition for tp in partitions), "incremental": False})

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            report("revoked", revoked)

        def on_partitions_assigned(self, assigned):
            report("assigned", assigned)

    consumer.subscribe([args.topic], listener=Listener())
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        batch = consumer.poll(timeout_ms=100)
        for tp, msgs in batch.items():
            for m in msgs:
                v = m.value.decode()
                emit({"ev": "rec", "c": label, "t": time.time() * 1000, "p": m.partition, "o": m.offset, "v": v})
                if v.endswith(":hold"):
                    continue
                try:
                    consumer.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(m.offset + 1, None)})
                    emit({"ev": "committed", "c": label, "t": time.time() * 1000, "p": m.partition, "o": m.offset + 1})
                except KafkaError as e:
                    emit({"ev": "commit-failed", "c": label, "t": time.time() * 1000, "p": m.partition, "o": m.offset + 1, "err": repr(e)})
    consumer.close()
    emit({"ev": "closed", "c": label, "t": time.time() * 1000})


if __name__ == "__main__":
    main()
