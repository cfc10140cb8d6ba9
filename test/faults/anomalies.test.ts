import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, storyPortout } from '../support/fault-stories.ts';

const area = 'Anomalies';
const PAGE_SIZE = 5;
let lab: FaultLab;
afterEach(() => lab?.close());

/** Ten watched port-outs, two pages of five. */
async function watchTen() {
  lab = await FaultLab.create({ area, pageSize: PAGE_SIZE });
  lab.add(...pendingPortouts(10));
  await lab.startWatching();
}

/** The next run's watched listing answers with these items, in pages, with consistent metadata. */
function serveWatchedListing(items: Record<string, unknown>[]) {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  for (let page = 1; page <= pages; page++) {
    const data = items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const meta = { page_number: page, page_size: PAGE_SIZE, total_pages: Math.ceil(items.length / PAGE_SIZE), total_results: items.length };
    lab.sim.injectFault({ match: { route: 'list', pageNumber: page }, body: JSON.stringify({ data, meta }) });
  }
}

const watchedNow = () => lab.sim.records().filter((record) => record.status === 'pending' || record.status === 'rejected-pending');
const newAlerts = () => lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls);
const warned = (logs: string[], text: string) => logs.some((line) => line.includes('"level": "WARN"') && line.includes(text));

describe('anomalies are faults, not news', () => {
  it('an empty listing while lookups find every request still pending: no alert, an ops signal', async () => {
    await watchTen();
    serveWatchedListing([]);
    const run = await lab.poll();
    expect(run.report?.shrinkAnomaly).toBe(true);
    expect(run.metrics.get('ListingAnomaly')).toBe(1);
    expect(warned(run.logs, 'the listing lost more than half of the tracked port-outs')).toBe(true);
    expect(newAlerts()).toEqual([]);
    lab.setStatus(portoutId(4), 'rejected-pending');
    await lab.settle();
    lab.conclude({
      fault: 'the listing comes back empty (10 tracked); lookups still work',
      happens:
        'ListingAnomaly and a warning; each missing request is looked up (25 per run at most) and found still pending, so nothing is said; a real change afterwards is alerted',
    });
  });

  it('a sharply shrunken listing: the same', async () => {
    await watchTen();
    serveWatchedListing(watchedNow().slice(0, 3));
    const run = await lab.poll();
    expect(run.report?.shrinkAnomaly).toBe(true);
    expect(run.report?.missingLookedUp).toBe(7);
    expect(newAlerts()).toEqual([]);
    lab.setStatus(portoutId(9), 'authorized');
    await lab.settle();
    lab.conclude({
      fault: 'the listing shrinks from 10 to 3',
      happens: 'ListingAnomaly; the 7 missing are looked up and found unchanged, so nothing is said; a real change afterwards is alerted',
    });
  });

  it('an empty listing and 404 for every lookup (a key for another account): no burst of "left" alerts', async () => {
    await watchTen();
    lab.sim.injectFault({ match: { route: 'list' }, body: JSON.stringify({ data: [], meta: { page_number: 1, page_size: PAGE_SIZE, total_pages: 0, total_results: 0 } }), times: Infinity });
    lab.sim.injectFault({ match: { route: 'retrieve' }, status: 404, times: Infinity });
    const run = await lab.poll();
    expect(run.metrics.get('ListingAnomaly')).toBe(1);
    expect(run.outcome).toBe('partial');
    expect(run.report?.vanishedHeld).toBe(10);
    lab.sim.clearFaults();
    await lab.settle();
    lab.conclude(
      {
        fault: 'the listing comes back empty (10 tracked) and every lookup answers 404',
        happens:
          'ListingAnomaly and a warning; while the listing has lost most of what is tracked, a 404 concludes nothing, so no record closes, nothing is said, and the run stays partial (the heartbeat alarm fires if it persists)',
      },
      { nothingDue: true },
    );
  });

  it('schema drift, `status` renamed on every item: no alert, an ops signal', async () => {
    await watchTen();
    serveWatchedListing(watchedNow().map(({ status, ...rest }) => ({ ...rest, state: status })));
    const run = await lab.poll();
    expect(run.report?.invalid).toHaveLength(10);
    expect(run.report?.invalid.every((item) => item.problem.startsWith('status'))).toBe(true);
    expect(run.metrics.get('ListingAnomaly')).toBe(1);
    expect(run.metrics.get('PollSucceeded')).toBe(0);
    expect(newAlerts()).toEqual([]);
    lab.setStatus(portoutId(2), 'rejected-pending');
    await lab.settle();
    lab.conclude({
      fault: 'schema drift: every listed item carries `state` instead of `status`',
      happens:
        'every item fails validation (field names logged, not values); nothing is alerted or closed; InvalidPortouts, ListingAnomaly, heartbeat missed; alerts resume when the field is back',
    });
  });

  it('schema drift, `id` renamed on every item: the listing is incomplete, nothing is concluded', async () => {
    await watchTen();
    serveWatchedListing(watchedNow().map(({ id, ...rest }) => ({ ...rest, portout_id: id })));
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.listingComplete).toBe(false);
    expect(run.report?.missingLookedUp).toBe(0);
    expect(newAlerts()).toEqual([]);
    lab.setStatus(portoutId(6), 'rejected-pending');
    await lab.settle();
    lab.conclude({
      fault: 'schema drift: every listed item carries `portout_id` instead of `id`',
      happens: 'items without an id make the listing incomplete, so no request is looked up or concluded gone; the run ends partial',
    });
  });

  it('a status filter the server ignores: the extra statuses are dropped, an ops signal', async () => {
    await watchTen();
    lab.add(storyPortout({ id: portoutId(40), status: 'ported' }), storyPortout({ id: portoutId(41), status: 'authorized' }));
    lab.setStatus(portoutId(7), 'authorized');
    serveWatchedListing(lab.sim.records());
    const run = await lab.poll();
    expect(run.report?.unwatchedDropped).toBe(3);
    expect(run.metrics.get('ListingAnomaly')).toBe(1);
    await lab.settle();
    lab.conclude({
      fault: 'the listing includes `ported` and `authorized` requests (the status filter was ignored)',
      happens:
        'they are dropped, not taken as news (ListingAnomaly, a warning); the tracked request that turned `authorized` is looked up and alerted',
    });
  });
});
