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
import struct

from confluent_kafka import Consumer, KafkaException, TopicPartition

from group_report import Reporter, arguments


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
    ap = arguments()
    ap.add_argument("--strategy", default="roundrobin")
    ap.add_argument("--instance-id", default=None)
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
    out = Reporter(args.label)
    # confluent-kafka 1.7.0 has incremental_assign() but not rebalance_protocol(); the
    # protocol follows from the strategy (librdkafka does not mix eager and cooperative).
    cooperative = args.strategy == "cooperative-sticky"

    def report(ev, partitions):
        gen, member = group_position(c)
        out.assignment(ev, gen, member, partitions, cooperative)

    def on_assign(consumer, partitions):
        report("assigned", partitions)
        if cooperative:
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)

    def giving_up(ev):
        """The callback for on_revoke ("revoked") or on_lost ("lost")."""
        def callback(consumer, partitions):
            report(ev, partitions)
            if cooperative:
                consumer.incremental_unassign(partitions)
            else:
                consumer.unassign()
        return callback

    def poll_once():
        m = c.poll(0.1)
        if m is None:
            return
        if m.error():
            out.emit("error", err=str(m.error()))
            return

        def commit(offset):
            c.commit(offsets=[TopicPartition(m.topic(), m.partition(), offset)], asynchronous=False)
        out.record(m.partition(), m.offset(), m.value().decode(), commit, KafkaException, str)

    c.subscribe([args.topic], on_assign=on_assign, on_revoke=giving_up("revoked"), on_lost=giving_up("lost"))
    out.run_until_stdin_closes(poll_once, c.close)


if __name__ == "__main__":
    main()
