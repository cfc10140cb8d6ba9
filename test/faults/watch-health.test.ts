import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab, type PollResult } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, storyPortout } from '../support/fault-stories.ts';

const area = 'Watch health';
const FAILING_RUNS = 3;
let lab: FaultLab;
afterEach(() => lab?.close());

async function watchFive() {
  lab = await FaultLab.create({ area, pageSize: 5 });
  lab.add(...pendingPortouts(5));
  await lab.startWatching();
}

/** The rejected-requests query (the fraud gap) answers 500 while this is on; every other request is served. */
function failFraudGapQuery(on: boolean) {
  lab.sim.onListPage(
    on
      ? () => {
          const query = lab.sim.requests.at(-1)?.query;
          const asksForRejected = [...(query?.entries() ?? [])].some(([name, value]) => name.startsWith('filter[status') && value === 'rejected');
          if (asksForRejected) throw new Error('injected: the rejected-requests query fails');
        }
      : undefined,
  );
}

function warningFor(run: PollResult, query: string): Record<string, unknown> | undefined {
  return run.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((record) => record.level === 'WARN' && record.query === query);
}

const deliveredOfType = (type: string) => lab.sns.deliveries.filter((delivery) => delivery.type === type);

describe('a part of the watch that fails is named, counted and alarmed, run after run', () => {
  it('the fraud-gap query fails for 3 runs: degraded, WatchDown{fraud-gap}, the heartbeat missed; the fraud alert follows', async () => {
    await watchFive();
    // A wrong-PIN attempt, born rejected, while the query that would find it fails; meanwhile a real status change.
    lab.add(storyPortout({ id: portoutId(20), status: 'rejected' }));
    lab.setStatus(portoutId(2), 'rejected-pending');
    failFraudGapQuery(true);
    for (let run = 1; run <= FAILING_RUNS; run++) {
      const result = await lab.poll();
      expect(result.outcome).toBe('degraded');
      expect(result.metrics.get('WatchDown{watch=fraud-gap}')).toBe(1);
      expect(result.metrics.get('PollSucceeded')).toBe(0);
      expect(warningFor(result, 'fraud-gap')).toMatchObject({ watch: 'fraud-gap', failures: [{ kind: 'server-error' }] });
      expect(deliveredOfType('possible-fraud')).toEqual([]);
    }
    // The status watch kept working through it.
    expect(deliveredOfType('status-changed').map((delivery) => delivery.portoutId)).toEqual([portoutId(2)]);
    failFraudGapQuery(false);
    const [recovered] = await lab.settle();
    expect(recovered?.metrics.has('WatchDown{watch=fraud-gap}')).toBe(false);
    expect(deliveredOfType('possible-fraud').map((delivery) => delivery.portoutId)).toEqual([portoutId(20)]);
    lab.conclude({
      fault: `the fraud-gap query (port-outs created already \`rejected\`) answers 500 for ${FAILING_RUNS} runs, while a wrong-PIN attempt waits there`,
      happens:
        'each run ends `degraded`: a WARN line names the query and the cause, WatchDown{watch=fraud-gap} is sent, and the run does not count toward the heartbeat, so the fraud-gap-watch-down alarm (3 runs) and the heartbeat fire; status alerts keep going out; once the query answers, the possible-fraud alert goes out (within the look-back)',
    });
  });

  it('the comment feed answers 404 for 3 runs: degraded, WatchDown{comments}; the comment follows', async () => {
    await watchFive();
    lab.comment(portoutId(3), 'Rejection reason not accepted; please resubmit.');
    lab.setStatus(portoutId(4), 'rejected-pending');
    lab.sim.injectFault({ match: { route: 'events' }, status: 404, times: Infinity });
    for (let run = 1; run <= FAILING_RUNS; run++) {
      const result = await lab.poll();
      expect(result.outcome).toBe('degraded');
      expect(result.metrics.get('WatchDown{watch=comments}')).toBe(1);
      expect(result.metrics.get('PollSucceeded')).toBe(0);
      expect(warningFor(result, 'comments')).toMatchObject({ watch: 'comments', failures: [{ kind: 'client-error' }] });
      expect(deliveredOfType('new-comment')).toEqual([]);
    }
    expect(deliveredOfType('status-changed').map((delivery) => delivery.portoutId)).toEqual([portoutId(4)]);
    lab.sim.clearFaults();
    await lab.settle();
    expect(deliveredOfType('new-comment').map((delivery) => delivery.portoutId)).toEqual([portoutId(3)]);
    lab.conclude({
      fault: `the comment feed (events) answers 404 for ${FAILING_RUNS} runs, while a comment waits there`,
      happens:
        'a 404 is a failed feed, not "no comments": each run ends `degraded` with a WARN line naming the query, WatchDown{watch=comments}, and no heartbeat, so the comment-watch-down alarm fires (its text says to set watchComments: false if the account lacks the feed); status alerts keep going out; once the feed answers, the comment is alerted',
    });
  });
});
