"""Drives kafka-python against the capture recorder; capture.ts runs it once per step.

Usage: python3 kafka-python-client.py '<json>' where json is
  {"mode": "produce", "bootstrap": ..., "clientId": ..., "topic": ..., "compression": "gzip" | null,
   "messages": [{"key": ..., "value": ..., "headers": {name: value}}]}
  {"mode": "consume", "bootstrap": ..., "clientId": ..., "topic": ..., "groupId": ..., "expected": n}
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer


def produce(step):
    producer = KafkaProducer(
        bootstrap_servers=step["bootstrap"],
        client_id=step["clientId"],
        compression_type=step["compression"],
        acks=1,
        # One batch for all messages: the fixture's expected records are all of them.
        linger_ms=200,
    )
    for m in step["messages"]:
        producer.send(
            step["topic"],
            key=m["key"].encode(),
            value=m["value"].encode(),
            headers=[(k, v.encode()) for k, v in m["headers"].items()],
            partition=0,
        )
    producer.flush(timeout=10)
    producer.close(timeout=5)


def consume(step):
    consumer = KafkaConsumer(
        step["topic"],
        bootstrap_servers=step["bootstrap"],
        client_id=step["clientId"],
        group_id=step["groupId"],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=8000,
        heartbeat_interval_ms=300,
    )
    seen = 0
    for _ in consumer:
        seen += 1
        if seen >= step["expected"]:
            break
    consumer.commit()
    # Stay a moment so the background thread sends a Heartbeat before the group is left.
    time.sleep(1)
    consumer.close()
    print(f"consumed {seen} messages")


def main():
    step = json.loads(sys.argv[1])
    {"produce": produce, "consume": consume}[step["mode"]](step)


if __name__ == "__main__":
    main()
