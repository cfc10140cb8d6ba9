import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, stageStandardChanges, storyPortout } from '../support/fault-stories.ts';

const area = 'Amazon SNS';
let lab: FaultLab;
afterEach(() => lab?.close());

/**
 * Seven watched port-outs, the standard five changes and `extra` more new requests. Up to 10 events go out one
 * message each (nine here by default: one batch); past 10, people get a digest and machines one document each.
 */
async function startLab(extra = 4) {
  lab = await FaultLab.create({ area, pageSize: 5 });
  lab.add(...pendingPortouts(7));
  await lab.startWatching();
  stageStandardChanges(lab);
  lab.add(...Array.from({ length: extra }, (_, i) => storyPortout({ id: portoutId(20 + i) })));
}

describe('SNS faults, staged with aws-sdk-client-mock', () => {
  it('throttling on some entries of a batch: those entries are retried within the run', async () => {
    await startLab();
    lab.sns.failEntries({ code: 'Throttled', times: 1 });
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    expect(run.report?.publishFailures).toEqual([]);
    expect(lab.sleeps).toContain(400);
    lab.conclude({
      fault: 'PublishBatch answers 200 with every other entry `Failed: Throttled`, once',
      happens: 'the failed entries alone are sent again after 0.4 s; the run completes',
    });
  });

  it('5xx on some entries for the whole run: those alerts are not recorded, and the next run sends them', async () => {
    await startLab();
    const refused = [portoutId(1), portoutId(3), portoutId(20), portoutId(22)];
    lab.sns.failEntries({ code: 'InternalError', times: Infinity, which: ({ alertId }) => refused.some((id) => alertId.startsWith(`${id}.`)) });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.publishFailures).toHaveLength(4);
    expect(run.metrics.get('AlertsFailed')).toBe(4);
    expect(run.report?.recorded).toBe(5);
    lab.sns.clear();
    await lab.settle();
    lab.conclude({
      fault: 'PublishBatch fails 4 of 9 entries with `InternalError` on all 3 attempts',
      happens:
        'the refused alerts are left unrecorded (AlertsFailed, an error log naming their alertIds); the next run finds the same changes and sends them',
    });
  });

  it('SNS down for a whole run: nothing is recorded, the next run sends everything', async () => {
    await startLab();
    lab.sns.down({ times: Infinity });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.recorded).toBe(0);
    lab.sns.clear();
    await lab.settle();
    lab.conclude({
      fault: 'every PublishBatch call fails (`InternalErrorException`, HTTP 500) for one run',
      happens: 'nothing is recorded; the run ends partial; the next run sends every alert',
    });
  });

  it('SNS down for three runs in a row: every alert goes out once it is back', async () => {
    await startLab();
    lab.sns.down({ times: Infinity, error: 'ServiceUnavailable', status: 503 });
    for (let i = 0; i < 3; i++) expect((await lab.poll()).outcome).toBe('partial');
    lab.sns.clear();
    await lab.settle();
    lab.conclude({
      fault: 'SNS unavailable (HTTP 503) for three runs',
      happens: 'three partial runs that record nothing; the first run after it returns sends every alert once',
    });
  });

  it('an answer lost after SNS accepted the batch: sent again, counted as duplicates', async () => {
    await startLab();
    lab.sns.loseAnswers(1);
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    lab.conclude(
      {
        fault: 'SNS accepts a batch but the answer is lost (timeout)',
        happens:
          'the notifier cannot know the batch went out, so it sends it again: each alert of that batch arrives twice, with the same alertId for subscribers to drop',
      },
      { duplicates: 9 },
    );
  });

  it('a digest SNS refuses: the documents it covers wait with it, so nothing goes out twice', async () => {
    await startLab(8);
    lab.sns.failEntries({ code: 'Throttled', times: Infinity, which: ({ alertId }) => alertId.startsWith('digest.') });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.recorded).toBe(0);
    expect(run.report?.published).toBe(0);
    lab.sns.clear();
    await lab.settle();
    lab.conclude({
      fault: '13 events (past the digest threshold); SNS throttles the people digest on every attempt',
      happens: 'the digest goes first; refused, its documents wait with it, and the next run sends the digest and the documents once',
    });
  });

  it('an entry SNS refuses as a sender fault: not retried in the run, sent by the next run', async () => {
    await startLab();
    lab.sns.failEntries({ code: 'InvalidParameter', senderFault: true, which: ({ index }) => index === 0 });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.publishFailures).toEqual([expect.objectContaining({ reason: 'InvalidParameter (sender fault)' })]);
    await lab.settle();
    lab.conclude({
      fault: 'one entry `Failed: InvalidParameter` with SenderFault',
      happens: 'that alert is not retried in the run (it would fail the same way) and not recorded; the next run sends it',
    });
  });
});
