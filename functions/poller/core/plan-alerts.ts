import { ALERT_ATTRIBUTES } from './alert-types.ts';
import { alertIdFor } from './diff.ts';
import { eventPortoutId } from './events.ts';
import type { PortoutEvent, RenderedAlert } from './model.ts';
import type { OutgoingAlert } from './ports.ts';
import type { RenderOptions } from './say/context.ts';
import { renderAlert, renderGroup } from './say/render.ts';

export interface VolumePolicy {
  /** The first run sends one "now watching N requests" summary instead of N alerts. */
  firstRunSummary: boolean;
  /**
   * Whether a first run that finds nothing waiting still sends its summary ("now watching 0 requests"); unset: it
   * does. Off, that run is recorded silently, so hundreds of accounts starting at once don't each message everyone; a
   * first run with requests waiting always sends its summary.
   */
  announceEmptyFirstRun?: boolean;
  /** More events than this in one run go to people as one digest per channel. */
  digestThreshold: number;
}

export interface PlannedEvent {
  event: PortoutEvent;
  alertId: string;
}

/** 32-bit FNV-1a, hex: a short stable name for a set of alert ids. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export const AUDIENCE = { people: 'people', machines: 'machines' } as const;

function withAudience(rendered: RenderedAlert, audience: string[]): RenderedAlert {
  return { ...rendered, attributes: { ...rendered.attributes, [ALERT_ATTRIBUTES.audience.name]: audience } };
}

/**
 * Decides which messages carry this run's events. Usually one per event, to everyone. On the first run (if
 * summarised) or past the digest threshold, people get one grouped message while machine subscribers still get
 * one JSON document per event; each event then counts as delivered only when every message carrying it was.
 */
export function planAlerts(
  events: readonly PortoutEvent[],
  context: { firstRun: boolean; now: Date },
  policy: VolumePolicy,
  renderOptions: RenderOptions,
): { planned: PlannedEvent[]; alerts: OutgoingAlert[] } {
  const planned = events.map((event) => ({ event, alertId: alertIdFor(event) }));
  if (planned.length === 0 && policy.announceEmptyFirstRun === false) return { planned, alerts: [] };
  const summarise = context.firstRun && policy.firstRunSummary;
  const grouped = summarise || planned.length > policy.digestThreshold;
  const single = (item: PlannedEvent, audience: string[]): OutgoingAlert => ({
    alertId: item.alertId,
    portoutId: eventPortoutId(item.event),
    covers: [item.alertId],
    rendered: withAudience(renderAlert(item.event, item.alertId, context.now, renderOptions), audience),
  });
  if (!grouped) return { planned, alerts: planned.map((item) => single(item, [AUDIENCE.people, AUDIENCE.machines])) };

  const kind = summarise ? 'watch-started' : 'digest';
  // The first run's summary is one per account (each account's first run is its own); a digest is named by the set
  // it carries (in any order), so a re-send keeps its id.
  const summaryId = renderOptions.account ? `watch-started.${renderOptions.account.name}` : 'watch-started';
  const groupId = summarise ? summaryId : `digest.${fnv1a(planned.map((item) => item.alertId).sort().join(','))}`;
  const group: OutgoingAlert = {
    alertId: groupId,
    portoutId: null,
    covers: planned.map((item) => item.alertId),
    rendered: withAudience(renderGroup(kind, planned, groupId, context.now, renderOptions), [AUDIENCE.people]),
  };
  return { planned, alerts: [group, ...planned.map((item) => single(item, [AUDIENCE.machines]))] };
}
