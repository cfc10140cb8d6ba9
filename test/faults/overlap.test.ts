import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab, type PollResult } from '../support/fault-lab.ts';
import { watchSevenAndChange } from '../support/fault-stories.ts';

const area = 'Overlapping runs';
let lab: FaultLab;
afterEach(() => lab?.close());

async function startLab() {
  lab = await FaultLab.create({ area, pageSize: 5 });
  await watchSevenAndChange(lab);
}

/** Exactly one run published, and each of the others stood back or found nothing left to send. */
function onePublished(runs: PollResult[]): boolean {
  const publishers = runs.filter((run) => (run.report?.published ?? 0) > 0);
  const others = runs.filter((run) => !publishers.includes(run));
  return publishers.length === 1 && others.every((run) => run.outcome === 'lease-busy' || run.outcome === 'ok');
}

/** Each run is its own Lambda container: its own clients, logger and metrics, the same table, Telnyx and topic. */
describe('runs that overlap', () => {
  it('two runs at once (a schedule event delivered twice): one publishes, the other stands back', async () => {
    await startLab();
    const second = await lab.newContainer();
    lab.clock.advance(5 * 60_000);
    const runs = await Promise.all([lab.poll({ advance: false }), lab.poll({ container: second, advance: false })]);
    expect(onePublished(runs)).toBe(true);
    lab.conclude({
      fault: 'two runs start at the same moment',
      happens:
        'one takes the lease and publishes; the other finds the lease held (LeaseBusy) or, if it gets there after the release, finds the events already recorded',
    });
  });

  it('four runs at once: still one set of alerts', async () => {
    await startLab();
    const others = await Promise.all([lab.newContainer(), lab.newContainer(), lab.newContainer()]);
    lab.clock.advance(5 * 60_000);
    const runs = await Promise.all([lab.main, ...others].map((container) => lab.poll({ container, advance: false })));
    expect(onePublished(runs)).toBe(true);
    lab.conclude({ fault: 'four runs start at the same moment', happens: 'one publishes; the three others stand back or drop what it already sent' });
  });

  it('a run that starts while another is publishing: it stands back', async () => {
    await startLab();
    const second = await lab.newContainer();
    let during: PollResult | undefined;
    lab.main.dynamo.before('TransactWriteItems', async () => {
      during = await lab.poll({ container: second, advance: false });
    });
    expect((await lab.poll()).outcome).toBe('ok');
    expect(during?.outcome).toBe('lease-busy');
    lab.conclude({
      fault: 'a second run starts after the first published, before it recorded',
      happens: 'the second run finds the same changes, but the lease is held: it publishes nothing',
    });
  });

  it('a run that listed before another recorded, and takes the lease after: it drops what was already sent', async () => {
    await startLab();
    const second = await lab.newContainer();
    let earlier: PollResult | undefined;
    second.dynamo.before('PutItem', async () => {
      earlier = await lab.poll({ advance: false });
    });
    const late = await lab.poll({ container: second });
    expect(earlier?.outcome).toBe('ok');
    expect(late.outcome).toBe('ok');
    expect(late.report?.superseded).toBe(5);
    lab.conclude({
      fault: 'a run lists, another run publishes and records, then the first takes the lease',
      happens: 're-reading the state under the lease, the late run drops all 5 events as already sent',
    });
  });

  it('a run stalled past its lease between publish and write: the next run repeats, the stalled write is refused', async () => {
    await startLab();
    const second = await lab.newContainer();
    let takeover: PollResult | undefined;
    lab.main.dynamo.before('TransactWriteItems', async () => {
      // Stalled for two minutes: the lease (the run's deadline plus 3 s) has expired.
      lab.clock.advance(120_000);
      takeover = await lab.poll({ container: second, advance: false });
    });
    const stalled = await lab.poll();
    expect(takeover?.outcome).toBe('ok');
    expect(stalled.outcome).toBe('partial');
    expect(stalled.report?.writeFailures.every((failure) => failure.reason.includes('conditional check failed'))).toBe(true);
    expect(stalled.metrics.get('AlertsPossiblyDuplicated')).toBe(5);
    lab.conclude(
      {
        fault: 'conditional-check failure: a run stalls 2 min between publish and write, past its lease, and another run takes over',
        happens:
          'the second run takes the expired lease and sends the same 5 alerts (same alertIds) and records them; the stalled run\'s write fails its version check, so it records nothing and counts 5 possible duplicates',
      },
      { duplicates: 5 },
    );
  });
});
