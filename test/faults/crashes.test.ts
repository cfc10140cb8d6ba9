import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab, type PollResult } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, stageStandardChanges, storyPortout } from '../support/fault-stories.ts';

const area = 'Crashes';
const labs: FaultLab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((lab) => lab.close()));
});

/**
 * The standard five changes plus seven new requests: twelve events, so people get a digest and machines twelve
 * documents, thirteen messages in at least two PublishBatch calls, then one state write.
 */
async function stagedLab(): Promise<FaultLab> {
  const lab = await FaultLab.create({ area, pageSize: 5 });
  labs.push(lab);
  lab.add(...pendingPortouts(7));
  await lab.startWatching();
  stageStandardChanges(lab);
  lab.add(...Array.from({ length: 7 }, (_, i) => storyPortout({ id: portoutId(20 + i) })));
  return lab;
}

const STEP_NAMES: Array<[RegExp, string]> = [
  [/^Telnyx list watched p(\d+)$/, 'listing page $1'],
  [/^Telnyx list other p(\d+)$/, 'the rejected-requests query'],
  [/^Telnyx list events p(\d+)$/, 'the comments query'],
  [/^Telnyx retrieve$/, 'a lookup'],
  [/^DynamoDB Query$/, 'a state read'],
  [/^DynamoDB PutItem$/, 'the lease write'],
  [/^SNS PublishBatch$/, 'PublishBatch'],
  [/^DynamoDB TransactWriteItems$/, 'the state write'],
  [/^DynamoDB DeleteItem$/, 'the lease release'],
];
const stepName = (step: string) => STEP_NAMES.reduce((name, [pattern, text]) => name.replace(pattern, text), step);

describe('the process killed at every step boundary', () => {
  it('the next run delivers everything due; duplicates only where the kill fell between a publish and its write', async () => {
    const reference = await stagedLab();
    const steps = (await reference.poll()).steps;
    const batches = steps.filter((step) => step === 'SNS PublishBatch').length;
    expect(batches).toBeGreaterThanOrEqual(2);

    const failures: string[] = [];
    for (let k = 1; k <= steps.length; k++) {
      const lab = await stagedLab();
      lab.kill.armBefore(k);
      const crashed: PollResult = await lab.poll();
      expect(crashed.outcome).toBe('crashed');
      const recovery = await lab.settle();
      const sent = crashed.steps.includes('SNS PublishBatch');
      const written = crashed.steps.includes('DynamoDB TransactWriteItems');
      const deliveredBeforeKill = lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls - recovery.length).length;
      const expectedDuplicates = sent && !written ? deliveredBeforeKill : 0;
      const previous = crashed.steps.at(-1);
      const publishes = crashed.steps.filter((step) => step === 'SNS PublishBatch').length;
      const measured = lab.measure();
      const fault = previous
        ? `killed after ${stepName(previous)}${previous === 'SNS PublishBatch' ? ` ${publishes} of ${batches}` : ''} (call ${k - 1}), before ${stepName(crashed.crashedBefore ?? '?')}`
        : `killed before the first call (${stepName(crashed.crashedBefore ?? '?')})`;
      const happens = !sent
        ? 'nothing was published or written; the next run (a cold start, after the lease expired) sends every alert'
        : written
          ? 'alerts were published and recorded; only the lease is left, and it expires: the next run has nothing to repeat'
          : `${deliveredBeforeKill} messages were published but not recorded: the next run sends them again`;
      lab.conclude({ fault, happens }, { duplicates: expectedDuplicates });
      if (measured.lost.length > 0) failures.push(`${fault}: lost ${measured.lost.join(', ')}`);
    }
    expect(failures).toEqual([]);
    // A fresh lab per step boundary (about 16): 7-17 s on 2 busy cores, past the 20 s default under more load.
  }, 90_000);
});
