import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab } from '../support/fault-lab.ts';
import { watchSevenAndChange } from '../support/fault-stories.ts';

const area = 'DynamoDB';
let lab: FaultLab;
afterEach(() => lab?.close());

async function startLab() {
  lab = await FaultLab.create({ area, pageSize: 5 });
  await watchSevenAndChange(lab);
}

/**
 * "Stopped" and "restarted" switch a loopback proxy in front of DynamoDB Local off and on: the SDK gets the
 * ECONNRESET/ECONNREFUSED of a stopped process and retries for real, and the data is still there afterwards, as
 * with a restart on a dbPath. Throttling answers are real DynamoDB error bodies, parsed and retried by the SDK.
 */
describe('DynamoDB faults, staged against DynamoDB Local', () => {
  it('stopped before a run: the run fails with an error and a metric, and the next run sends everything', async () => {
    await startLab();
    await lab.proxy.stop();
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    expect(run.metrics.get('PollFailed')).toBe(1);
    expect(run.error?.message).toMatch(/^reading the open records in DynamoDB table state-\S+ failed: Error: connect ECONNREFUSED/);
    expect(run.logs.join('\n')).toContain('poll failed; nothing was recorded that could hide an event');
    expect(lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls)).toEqual([]);
    await lab.proxy.start();
    await lab.settle();
    lab.conclude({
      fault: 'DynamoDB Local stopped before a run, restarted before the next',
      happens:
        'the run reads no state, so it publishes nothing and throws a StateTableError naming the table and the connection error (PollFailed, error log); the next run sends everything',
    });
  });

  it('stopped after the listing, before the lease: nothing is published', async () => {
    await startLab();
    lab.main.dynamo.before('PutItem', () => lab.proxy.stop());
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    expect(lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls)).toEqual([]);
    await lab.proxy.start();
    await lab.settle();
    lab.conclude({
      fault: 'DynamoDB Local stopped after the state was read, before the lease write',
      happens: 'the lease write fails after the SDK retries, so nothing is published; the run throws; the next run sends everything',
    });
  });

  it('stopped after publishing, before the write: the write fails, the next run sends the alerts again', async () => {
    await startLab();
    lab.main.dynamo.before('TransactWriteItems', () => lab.proxy.stop());
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.published).toBe(5);
    expect(run.report?.possiblyDuplicated).toBe(5);
    expect(run.metrics.get('AlertsPossiblyDuplicated')).toBe(5);
    expect(run.logs.join('\n')).toContain('alerts were delivered but not recorded; the next run may repeat them');
    await lab.proxy.start();
    await lab.settle();
    lab.conclude(
      {
        fault: 'DynamoDB Local stopped after PublishBatch, before the state write; restarted before the next run',
        happens:
          'the write fails (SDK and adapter retries), the lease release fails quietly (it expires); the run reports AlertsPossiblyDuplicated=5 and the next run sends those 5 again',
      },
      { duplicates: 5 },
    );
  });

  it('stopped during the write (applied, answer lost): no repeat, since the write did land', async () => {
    await startLab();
    lab.main.dynamo.loseAnswer('TransactWriteItems', 1, () => lab.proxy.stop());
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.possiblyDuplicated).toBe(5);
    await lab.proxy.start();
    await lab.settle();
    lab.conclude({
      fault: 'DynamoDB Local applies the state write and stops before answering',
      happens:
        'the run cannot know the write landed, so it counts 5 possible duplicates; the next run reads the written state and has nothing to repeat',
    });
  });

  it('the answer to the write lost once: the SDK retries with the same token and DynamoDB answers success', async () => {
    await startLab();
    lab.main.dynamo.loseAnswer('TransactWriteItems', 1);
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    expect(lab.main.dynamo.count('TransactWriteItems')).toBe(3);
    lab.conclude({
      fault: 'the connection drops after the state write is applied, before its answer',
      happens: 'the SDK retries with the same ClientRequestToken, so DynamoDB applies it once and answers success',
    });
  });

  it('throttled reads: the SDK retries them and the run completes', async () => {
    await startLab();
    const before = lab.main.dynamo.count('Query');
    lab.main.dynamo.throttle('Query', 2);
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    // One Query per run (the re-check under the lease reads by key), plus the two throttled attempts.
    expect(lab.main.dynamo.count('Query') - before).toBe(3);
    lab.conclude({
      fault: '`ProvisionedThroughputExceededException` on the first 2 Query attempts',
      happens: 'the SDK retries them; the run completes',
    });
  });

  it('throttled reads past every retry: the run fails before publishing', async () => {
    await startLab();
    lab.main.dynamo.throttle('Query', 1_000, 'ThrottlingException');
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    expect(run.error?.name).toBe('StateTableError');
    expect(run.error?.message).toMatch(/^reading the open records in DynamoDB table state-\S+ failed: ThrottlingException/);
    lab.main.dynamo.clear();
    await lab.settle();
    lab.conclude({
      fault: '`ThrottlingException` on every Query attempt for a run',
      happens: 'the SDK gives up, the run throws before publishing (PollFailed); the next run sends everything',
    });
  });

  it('throttled writes past every retry: delivered alerts are counted as possible duplicates and sent again', async () => {
    await startLab();
    lab.main.dynamo.throttle('TransactWriteItems', 1_000);
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.possiblyDuplicated).toBe(5);
    lab.main.dynamo.clear();
    await lab.settle();
    lab.conclude(
      {
        fault: '`ProvisionedThroughputExceededException` on every state write attempt for a run',
        happens:
          'after the SDK retries and 3 adapter attempts the write is given up; the run reports AlertsPossiblyDuplicated=5; the next run sends them again',
      },
      { duplicates: 5 },
    );
  });

  it('the lease write throttled past every retry: nothing is published', async () => {
    await startLab();
    lab.main.dynamo.throttle('PutItem', 1_000);
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    expect(lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls)).toEqual([]);
    lab.main.dynamo.clear();
    await lab.settle();
    lab.conclude({
      fault: '`ProvisionedThroughputExceededException` on every lease write attempt',
      happens: 'the run throws before publishing anything; the next run sends everything',
    });
  });
});
