import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab, LAMBDA_TIMEOUT_MS, POLL_INTERVAL_MS, type PollResult } from '../support/fault-lab.ts';
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
      // Stalled past Lambda's timeout, where the lease ends (in Lambda the run would be killed there; a paused
      // container or a clock that jumped is what's left).
      lab.clock.advance(LAMBDA_TIMEOUT_MS + 1_000);
      takeover = await lab.poll({ container: second, advance: false });
    });
    const stalled = await lab.poll();
    expect(takeover?.outcome).toBe('ok');
    expect(stalled.outcome).toBe('partial');
    expect(stalled.report?.writeFailures.every((failure) => failure.reason.includes('conditional check failed'))).toBe(true);
    expect(stalled.metrics.get('AlertsPossiblyDuplicated')).toBe(5);
    lab.conclude(
      {
        fault: "conditional-check failure: a run stalls between publish and write past Lambda's timeout (its lease), and another run takes over",
        happens:
          'the second run takes the expired lease and sends the same 5 alerts (same alertIds) and records them; the stalled run\'s write fails its version check, so it records nothing and counts 5 possible duplicates',
      },
      { duplicates: 5 },
    );
  });

  it("a run stalled to 1 s before Lambda's timeout still holds the lease: a run starting then stands back", async () => {
    await startLab();
    const second = await lab.newContainer();
    let leaseUntil = 0;
    let during: PollResult | undefined;
    lab.main.dynamo.before('TransactWriteItems', async () => {
      const lease = await lab.table.doc.send(new GetCommand({ TableName: lab.table.tableName, Key: { pk: 'LEASE', sk: 'poller' } }));
      leaseUntil = Number(lease.Item?.leaseUntil);
      // Stalled, as a slow write or a paused container would be, to just inside the hard stop.
      lab.clock.advance(leaseUntil - 1_000 - lab.clock.now());
      during = await lab.poll({ container: second, advance: false });
    });
    const startedAt = lab.clock.now() + POLL_INTERVAL_MS;
    const stalled = await lab.poll();
    // The handler's lease: to the hard stop (start + Lambda's timeout), not only past the deadline.
    expect(leaseUntil - startedAt).toBeGreaterThanOrEqual(LAMBDA_TIMEOUT_MS);
    expect(leaseUntil - startedAt).toBeLessThan(LAMBDA_TIMEOUT_MS + 1_000);
    expect(during?.outcome).toBe('lease-busy');
    expect(stalled.outcome).toBe('ok');
    lab.conclude({
      fault: "a run stalls between publish and write until 1 s before Lambda's timeout, and another run starts then",
      happens: 'the lease lasts to the hard stop, so the second run finds it held and stands back; the stalled run records what it sent: nothing is sent twice',
    });
  });
});
