"""What the Python group members (group-consumer-confluent.py,
group-consumer-kafka-python.py) share: their common arguments, the JSON lines they
report on stdout, the commit after each record, and running until stdin closes.

Every line carries the member's LABEL as "c" and the wall clock in ms as "t". The
scripts import this module from their own directory, which Python puts first on
sys.path when it runs a script.
"""
import argparse
import json
import sys
import threading
import time


def arguments():
    """BOOTSTRAP TOPIC GROUP LABEL [--session-timeout-ms 6000]; a script adds its own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("group")
    ap.add_argument("label")
    ap.add_argument("--session-timeout-ms", type=int, default=6000)
    return ap


class Reporter:
    def __init__(self, label):
        self.label = label

    def emit(self, ev, **fields):
        line = {"ev": ev, "c": self.label, "t": time.time() * 1000}
        line.update(fields)
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()

    def assignment(self, ev, gen, member, partitions, incremental):
        """"assigned", "revoked" or "lost" with the partitions' numbers, sorted."""
        self.emit(ev, gen=gen, member=member, parts=sorted(tp.partition for tp in partitions),
                  incremental=incremental)

    def record(self, p, o, v, commit, failure, describe):
        """Reports a record read, then unless its value ends in ":hold" calls commit(o + 1)
        and reports "committed", or "commit-failed" with describe(e) when it raises failure."""
        self.emit("rec", p=p, o=o, v=v)
        if v.endswith(":hold"):
            return
        try:
            commit(o + 1)
            self.emit("committed", p=p, o=o + 1)
        except failure as e:
            self.emit("commit-failed", p=p, o=o + 1, err=describe(e))

    def run_until_stdin_closes(self, poll_once, close):
        """Calls poll_once until stdin closes, then close, then reports "closed"."""
        stop = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        while not stop.is_set():
            poll_once()
        close()
        self.emit("closed")
