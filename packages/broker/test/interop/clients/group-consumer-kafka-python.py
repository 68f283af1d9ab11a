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
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import KafkaError

from group_report import Reporter, arguments


def main():
    args = arguments().parse_args()
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
    out = Reporter(label)

    def report(ev, partitions):
        gen = consumer._coordinator._generation  # noqa: SLF001 - not passed to listeners
        out.assignment(ev, gen.generation_id, gen.member_id, partitions, False)

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            report("revoked", revoked)

        def on_partitions_assigned(self, assigned):
            report("assigned", assigned)

    def poll_once():
        batch = consumer.poll(timeout_ms=100)
        for tp, msgs in batch.items():
            for m in msgs:
                def commit(offset, tp=tp):
                    consumer.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(offset, None)})
                out.record(m.partition, m.offset, m.value.decode(), commit, KafkaError, repr)

    consumer.subscribe([args.topic], listener=Listener())
    out.run_until_stdin_closes(poll_once, consumer.close)


if __name__ == "__main__":
    main()
