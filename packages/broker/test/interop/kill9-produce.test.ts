/**
 * kill -9 in the middle of a produce run (issue 4): confluent-kafka-python (librdkafka)
 * produces keyed messages with acks=all to a real broker process and reports every
 * acknowledgement as it arrives. Once enough have been acknowledged the broker is killed
 * with SIGKILL and restarted on the same data directory and port; the same producer
 * reconnects by itself and goes on (helpers/kill9-run.ts). Afterwards every acknowledged
 * message must be read back at the offset it was acknowledged with, in send order within
 * its partition, and the messages sent after the restart must be there too.
 *
 * The producer is not idempotent (Samsa has no producer ids yet), so a batch that was
 * in flight at the kill may have been written and then sent again: duplicates of
 * unacknowledged sends are allowed, losses and reordering of acknowledged ones are not.
 * max.in.flight=1 keeps a retried batch from overtaking a later one.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Kill9Run, keyOf, seqOf, valueOf, type ReadBackRecord } from '../helpers/kill9-run.ts';

const PARTITIONS = 3;
const ACKS_BEFORE_KILL = 1500;
const ACKS_AFTER_RESTART = 1500;
/** Sends the producer leaves unacknowledged at most, so at most this many can be in flight at the kill. */
const MAX_UNACKNOWLEDGED = 64;

describe('kill -9 during a produce run', () => {
  const run = new Kill9Run();
  after(() => run.close());

  it('keeps every acknowledged message and lets the producer carry on after a restart', { timeout: 90_000 }, async (t) => {
    const { broker, acks, ackedBeforeKill, sentBeforeKill, produced, records, ends } = await run.produce({
      topic: 'kill9-produce',
      partitions: PARTITIONS,
      producer: {
        'acks': 'all', 'linger.ms': 2, 'max.in.flight.requests.per.connection': 1, 'enable.idempotence': false,
        'reconnect.backoff.ms': 20, 'reconnect.backoff.max.ms': 200, 'retry.backoff.ms': 50,
        'message.timeout.ms': 60000, 'topic.metadata.refresh.interval.ms': 1000,
      },
      maxUnacknowledged: MAX_UNACKNOWLEDGED,
      pollSeconds: 0.05,
      acksBeforeKill: ACKS_BEFORE_KILL,
      acksAfterRestart: ACKS_AFTER_RESTART,
      readBack: true,
    });
    assert.deepEqual(new Set(acks.map((a) => a.seq)).size, produced);

    const at = new Map<string, ReadBackRecord>();
    for (const r of records) at.set(`${r.p}:${r.o}`, r);
    const total = Object.values(ends!).reduce((a, b) => a + b, 0);
    assert.equal(records.length, total, 'read back up to every high watermark');
    assert.equal(at.size, total, 'each offset read once');

    // Every acknowledged message is where its acknowledgement said, and a later send on
    // the same partition has a later offset: nothing lost, nothing reordered.
    const lastOffset = new Map<number, { seq: number; o: number }>();
    for (const a of [...acks].sort((x, y) => x.seq - y.seq)) {
      const r = at.get(`${a.p}:${a.o}`);
      assert.equal(r?.v, valueOf(a.seq), `ack of value-${a.seq} at ${a.p}:${a.o} reads back`);
      assert.equal(r.k, keyOf(a.seq));
      const prev = lastOffset.get(a.p);
      assert.ok(prev === undefined || prev.o < a.o, `value-${a.seq} (offset ${a.o}) after value-${prev?.seq} (offset ${prev?.o}) in partition ${a.p}`);
      lastOffset.set(a.p, { seq: a.seq, o: a.o });
    }
    // Anything else in the log is a retried copy of a send that was in flight at the kill.
    const acked = new Set(acks.map((a) => `${a.p}:${a.o}`));
    const extra = records.filter((r) => !acked.has(`${r.p}:${r.o}`));
    const maxSeqBeforeKill = Math.max(...acks.slice(0, ackedBeforeKill).map((a) => a.seq));
    for (const r of extra) {
      assert.ok(acks.some((a) => valueOf(a.seq) === r.v), `unacknowledged record ${r.v} at ${r.p}:${r.o} is a copy of an acknowledged send`);
      assert.ok(seqOf(r.v) > maxSeqBeforeKill - MAX_UNACKNOWLEDGED, `duplicate ${r.v} was in flight at the kill`);
    }
    assert.ok(acks.length - ackedBeforeKill >= ACKS_AFTER_RESTART, 'the producer went on after the restart');
    t.diagnostic(`${sentBeforeKill} sent and ${ackedBeforeKill} acknowledged before the kill, ${acks.length} in all; ` +
      `${extra.length} retried copies in the log`);
    assert.ok(sentBeforeKill > ackedBeforeKill, `sends were outstanding at the kill (${sentBeforeKill} sent, ${ackedBeforeKill} acknowledged)`);
    assert.equal(await broker.stop(), 0);
  });
});
