import type { AccountRef } from '../accounts.ts';
import type { PortoutEvent } from '../model.ts';

export const DEFAULT_PORTAL_URL = 'https://portal.telnyx.com/#/app/numbers/port-outs';

export interface RenderOptions {
  /** The SNS topic's display name, which SNS puts before every SMS as "NAME> ": it takes part of the budget. */
  displayName?: string;
  /** Where the alert tells people to review port-outs. */
  portalUrl?: string;
  /**
   * The Telnyx account the alert is about, named in every channel. Unset in a deployment that watches one account,
   * whose alerts stay exactly as they always were.
   */
  account?: AccountRef;
}

/** What every channel renders one alert from, besides the event itself. */
export interface RenderContext {
  alertId: string;
  now: Date;
  portalUrl: string;
  account?: AccountRef;
}

export function renderContext(alertId: string, now: Date, options: RenderOptions): RenderContext {
  return { alertId, now, portalUrl: options.portalUrl ?? DEFAULT_PORTAL_URL, account: options.account };
}

export type EventOf<T extends PortoutEvent['type']> = Extract<PortoutEvent, { type: T }>;

export type AlertGroupKind = 'watch-started' | 'digest';

export interface GroupedEvent {
  event: PortoutEvent;
  alertId: string;
}
