#!/usr/bin/python3
"""Exactly-once consume-transform-produce with confluent-kafka (librdkafka): KIP-98 and
KIP-447's loop, for the kill -9 test.

Usage: eos-transform-confluent.py BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID TOTAL

Reads INPUT in a consumer group (read_committed, no auto commit), writes every record
to the same partition of OUTPUT with its key and value, and commits each batch of up to
COMMIT_EVERY records together with the consumer's positions in one transaction
(send_offsets_to_transaction). When the broker goes away the loop follows librdkafka's
error classes: retriable errors retry the same call, abortable ones abort the
transaction and rewind the consumer to its committed offsets, fatal ones end the run
with exit code 1. Prints {"committed": n} after each commit: the sum over partitions of
the committed input offsets, which is the count of input records copied when the input
offsets are dense (a non-transactional input topic). Exits 0 once that reaches TOTAL.

So that a test can stop the broker at a chosen point, each batch is flushed (its records
acknowledged, so in the log inside the open transaction) before its offsets are sent and
it is committed, and {"sent": n} is printed then. After a line "hold" on stdin, the next
batch prints {"holding": n} at that point and waits for a line "go" before committing.
"""
import json
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING

COMMIT_EVERY = 500


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    bootstrap, inp, out, group, txn_id, total = sys.argv[1:7]
    total = int(total)
    revoked = [False]
    hold = threading.Event()
    go = threading.Event()

    def read_commands():
        for line in sys.stdin:
            if line.strip() == "hold":
                go.clear()
                hold.set()
            elif line.strip() == "go":
                go.set()

    threading.Thread(target=read_commands, daemon=True).start()

    def on_revoke(_consumer, _partitions):
        revoked[0] = True

    def on_error(err):
        if err.fatal():
            emit({"fatal": str(err)})

    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
        "isolation.level": "read_committed", "auto.offset.reset": "earliest", "error_cb": on_error,
        "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500,
    })
    producer = Producer({
        "bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5, "error_cb": on_error,
        "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500, "transaction.timeout.ms": 30000,
    })
    producer.init_transactions(60)
    consumer.subscribe([inp], on_revoke=on_revoke)

    def retrying(call):
        """Runs a transactional call, repeating it while librdkafka says the error is retriable."""
        deadline = time.time() + 120
        while True:
            try:
                return call()
            except KafkaException as e:
                err = e.args[0]
                if err.retriable() and time.time() < deadline:
                    time.sleep(0.1)
                    continue
                raise

    def rewind():
        """After an abort: back to the committed offsets (the aborted records will be copied again)."""
        assignment = consumer.assignment()
        if not assignment:
            return
        for tp in consumer.committed(assignment, timeout=30):
            consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING))

    committed = {}
    committed_total = 0
    pending = 0
    producer.begin_transaction()
    positions = {}
    while committed_total < total:
        msgs = consumer.consume(COMMIT_EVERY, 0.2)
        try:
            if revoked[0]:
                # A rebalance: whatever this transaction copied may now belong to someone else.
                revoked[0] = False
                retrying(lambda: producer.abort_transaction(30))
                producer.begin_transaction()
                pending = 0
                positions = {}
            for m in msgs:
                if m.error():
                    continue
                while True:
                    try:
                        producer.produce(out, key=m.key(), value=m.value(), partition=m.partition())
                        break
                    except BufferError:
                        producer.poll(0.05)
                positions[m.partition()] = m.offset() + 1
                pending += 1
            producer.poll(0)
            if pending > 0 and (pending >= COMMIT_EVERY or not msgs):
                retrying(lambda: producer.flush(30))
                emit({"sent": committed_total + pending})
                if hold.is_set():
                    hold.clear()
                    emit({"holding": committed_total + pending})
                    go.wait()
                offsets = [TopicPartition(inp, p, o) for p, o in positions.items()]
                retrying(lambda: producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30))
                retrying(lambda: producer.commit_transaction(30))
                committed.update(positions)
                committed_total = sum(committed.values())
                emit({"committed": committed_total})
                pending = 0
                positions = {}
                producer.begin_transaction()
        except KafkaException as e:
            err = e.args[0]
            if err.txn_requires_abort():
                emit({"aborted": str(err)})
                retrying(lambda: producer.abort_transaction(30))
                rewind()
                pending = 0
                positions = {}
                producer.begin_transaction()
            else:
                emit({"fatal": str(err)})
                sys.exit(1)
    consumer.close()
    emit({"done": committed_total})


if __name__ == "__main__":
    main()
