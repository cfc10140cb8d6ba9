import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, storyPortout } from '../support/fault-stories.ts';

const area = 'Every alert type';
const HOUR_MS = 3_600_000;
let lab: FaultLab;
afterEach(() => lab?.close());

/** A lab watching `count` pending port-outs (po-01 up), with `env` added to the poller's configuration. */
async function watching(count: number, env: Record<string, string> = {}): Promise<FaultLab> {
  lab = await FaultLab.create({ area, pageSize: 5, env });
  lab.add(...pendingPortouts(count));
  await lab.startWatching();
  return lab;
}

/** A request born `rejected` (a wrong PIN), filed an hour ago: it never shows up as pending. */
const bornRejected = (id: string) =>
  storyPortout({ id, status: 'rejected', rejection_code: 1002, reason: 'Invalid PIN', created_at: new Date(Date.now() - HOUR_MS).toISOString() });

describe('fault stories for every alert type, judged by the oracle', () => {
  it('a fraud attempt during an SNS outage: the possible-fraud alert goes out once SNS is back, once', async () => {
    await watching(3);
    lab.sns.down({ times: Infinity });
    lab.add(bornRejected(portoutId(50)));
    const during = [await lab.poll(), await lab.poll()];
    expect(during.map((run) => run.outcome)).toEqual(['partial', 'partial']);
    expect(during.every((run) => run.report?.recorded === 0)).toBe(true);
    lab.sns.clear();
    await lab.settle();
    await lab.poll();
    expect(lab.sns.deliveries.filter((delivery) => delivery.type === 'possible-fraud')).toHaveLength(1);
    lab.conclude({
      fault: 'a request born `rejected` (wrong PIN) while SNS is down for two runs',
      happens: 'nothing is recorded while SNS refuses; the next run sends the possible-fraud alert, and later runs do not repeat it',
    });
  });

  it('a fraud attempt found by a run killed between publishing and recording: sent again, counted, then never again', async () => {
    await watching(3);
    lab.add(bornRejected(portoutId(50)));
    lab.kill.armBeforeStep('DynamoDB TransactWriteItems');
    expect((await lab.poll()).outcome).toBe('crashed');
    await lab.settle();
    await lab.poll();
    lab.conclude(
      {
        fault: 'killed after publishing a possible-fraud alert, before recording it',
        happens: 'the next run (a cold start) finds the request again and sends the same alertId once more; then it is recorded as closed and never re-sent',
      },
      { duplicates: 1 },
    );
  });

  it('a comment while the comment feed flaps: each comment is alerted once, when the feed answers whole', async () => {
    await watching(3);
    const feedDown = () => lab.sim.injectFault({ match: { route: 'events' }, status: 503, times: Infinity });
    feedDown();
    lab.comment(portoutId(1), 'Please confirm the account PIN with the end user.');
    expect((await lab.poll()).report?.queries.comments.failures.length).toBeGreaterThan(0);
    lab.sim.clearFaults();
    await lab.poll();
    lab.comment(portoutId(2), 'The gaining carrier asked for a new FOC date.', { userId: 'user-7' });
    feedDown();
    await lab.poll();
    lab.comment(portoutId(2), 'Second note from porting staff.');
    lab.sim.clearFaults();
    await lab.settle();
    await lab.poll();
    expect(lab.sns.deliveries.filter((delivery) => delivery.type === 'new-comment').flatMap((delivery) => delivery.commentIds)).toHaveLength(3);
    lab.conclude({
      fault: 'the events feed answers 503 on every attempt in alternate runs, while three comments arrive',
      happens:
        'a run whose feed failed says nothing about comments (the feed is used whole or not at all); the next run with a whole feed alerts each comment once, the two on one request in one alert',
    });
  });

  it('a FOC reminder across a crash: the reminder is sent by the next run, once, and each threshold once', async () => {
    // The FOC date is 24 h 12 min ahead: polls run 5 min apart, so the third (the second judged) is inside 24 h.
    lab = await FaultLab.create({ area, pageSize: 5, env: { FOC_REMINDER_HOURS: '24,4' } });
    const focDate = new Date(lab.clock.now() + 24 * HOUR_MS + 12 * 60_000).toISOString();
    lab.add(...pendingPortouts(3), storyPortout({ id: portoutId(9), foc_date: focDate }));
    await lab.startWatching();
    expect((await lab.poll()).report?.events).toEqual([]);
    lab.kill.armBeforeStep('DynamoDB TransactWriteItems');
    expect((await lab.poll()).outcome).toBe('crashed');
    await lab.settle();
    // Past the 4 h threshold: one more reminder, then nothing.
    lab.clock.advance(20 * HOUR_MS);
    await lab.poll();
    await lab.poll();
    const reminders = lab.sns.deliveries.filter((delivery) => delivery.type === 'foc-approaching');
    expect(reminders.map((delivery) => delivery.reminderHours)).toEqual([24, 24, 4]);
    lab.conclude(
      {
        fault: 'the FOC date comes inside the 24 h reminder (FOC_REMINDER_HOURS=24,4) and the run is killed after publishing it, before recording it',
        happens: 'the next run (a cold start) sends the same reminder again (a counted duplicate) and records it; the 4 h reminder goes out once, later',
      },
      { duplicates: 1 },
    );
  });

  it('a FOC date moved while the listing fails: alerted once the listing is whole', async () => {
    await watching(7);
    lab.setFocDate(portoutId(6), new Date(Date.now() + 9 * 24 * HOUR_MS).toISOString());
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 2 }, status: 503, times: Infinity });
    expect((await lab.poll()).outcome).toBe('partial');
    lab.sim.clearFaults();
    await lab.settle();
    expect(lab.sns.deliveries.map((delivery) => delivery.type)).toContain('foc-date-changed');
    lab.conclude({
      fault: 'a FOC date moves on page 2 while page 2 answers 503 on every attempt',
      happens: 'the run is partial and says nothing about page 2; the next run sends the foc-date-changed alert',
    });
  });

  it('a status change that comes with a comment and a new FOC date: one alert carries all three', async () => {
    await watching(3);
    lab.setStatus(portoutId(1), 'rejected-pending');
    lab.setFocDate(portoutId(1), new Date(Date.now() + 12 * 24 * HOUR_MS).toISOString());
    lab.comment(portoutId(1), 'Rejected: the PIN did not match.');
    await lab.settle();
    expect(lab.sns.deliveries.slice(-1).map((delivery) => [delivery.type, delivery.commentIds?.length])).toEqual([['status-changed', 1]]);
    lab.conclude({
      fault: 'none: a status change, a FOC move and a comment on one request in one interval',
      happens: 'one status-changed alert carries the new FOC date and the comment; nothing else goes out',
    });
  });

  it('a digest carrying every kind of event, refused once by SNS: people get one digest, machines one document each', async () => {
    lab = await FaultLab.create({ area, pageSize: 5, env: { FOC_REMINDER_HOURS: '24' } });
    lab.add(...pendingPortouts(8));
    await lab.startWatching();
    lab.setStatus(portoutId(1), 'rejected-pending');
    lab.setStatus(portoutId(2), 'authorized');
    lab.remove(portoutId(3));
    lab.setFocDate(portoutId(4), new Date(Date.now() + 9 * 24 * HOUR_MS).toISOString());
    lab.setFocDate(portoutId(5), new Date(lab.clock.now() + 10 * HOUR_MS).toISOString());
    lab.comment(portoutId(6), 'Porting staff: awaiting the customer service record.');
    lab.add(bornRejected(portoutId(50)), ...pendingPortouts(5, 20));
    lab.sns.failEntries({ code: 'InternalError', times: Infinity, which: ({ alertId }) => alertId.startsWith('digest.') });
    expect((await lab.poll()).outcome).toBe('partial');
    lab.sns.clear();
    await lab.settle();
    const digests = lab.sns.deliveries.filter((delivery) => delivery.type === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]?.covers).toHaveLength(12);
    lab.conclude({
      fault: 'twelve events of six kinds in one run (past DIGEST_THRESHOLD), and SNS refuses the digest on every attempt of one run',
      happens: 'the documents the digest covers wait with it; the next run sends one digest to people and one document per event to machines',
    });
  });

  it('the first run, SNS down: the one summary and every document go out together once SNS is back', async () => {
    lab = await FaultLab.create({ area, pageSize: 5 });
    lab.watchFromTheStart();
    lab.add(...pendingPortouts(6), bornRejected(portoutId(50)));
    lab.sns.down({ times: Infinity });
    expect((await lab.poll()).outcome).toBe('partial');
    lab.sns.clear();
    await lab.settle();
    await lab.poll();
    expect(lab.sns.deliveries.filter((delivery) => delivery.type === 'watch-started')).toHaveLength(1);
    lab.conclude({
      fault: 'SNS down for the first run on an empty table (six waiting requests and a fraud attempt)',
      happens: 'nothing is recorded, not even the first-run marker; the next run sends one watch-started summary to people and one document per request to machines',
    });
  });
});
