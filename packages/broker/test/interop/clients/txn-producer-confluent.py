#!/usr/bin/python3
"""A confluent-kafka (librdkafka) transactional producer for the transaction interop tests.

Usage: txn-producer-confluent.py BOOTSTRAP TOPIC PARTITIONS TRANSACTIONAL_ID CYCLES PER_CYCLE

Runs CYCLES transactions of PER_CYCLE keyed messages each. Even cycles commit, odd
cycles abort; values are "commit-<cycle>-<i>" / "abort-<cycle>-<i>", so a reader can tell
which transaction a record belonged to. A last committed transaction writes "end-<p>" to
every partition p, so a reader knows when it has seen everything. Prints one JSON line at the end:
  {"committed": n, "aborted": n}
Exits non-zero on any error.
"""
import json
import sys

from confluent_kafka import Producer


def main():
    bootstrap, topic, partitions, txn_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cycles, per_cycle = int(sys.argv[5]), int(sys.argv[6])
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(str(err))

    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
    p.init_transactions(30)
    committed = aborted = 0
    for c in range(cycles):
        commit = c % 2 == 0
        p.begin_transaction()
        for i in range(per_cycle):
            value = "%s-%d-%d" % ("commit" if commit else "abort", c, i)
            p.produce(topic, key=("key-%d" % (i % 13)).encode(), value=value.encode(), on_delivery=on_delivery)
            p.poll(0)
        if commit:
            p.commit_transaction(30)
            committed += per_cycle
        else:
            # Flush first, so the aborted records are really in the log before the abort.
            p.flush(30)
            p.abort_transaction(30)
            aborted += per_cycle
    p.begin_transaction()
    for part in range(partitions):
        p.produce(topic, value=("end-%d" % part).encode(), partition=part, on_delivery=on_delivery)
    p.commit_transaction(30)
    if errors:
        print(json.dumps({"errors": errors[:10]}), file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"committed": committed, "aborted": aborted}), flush=True)


if __name__ == "__main__":
    main()
