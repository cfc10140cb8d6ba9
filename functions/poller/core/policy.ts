import type { VolumePolicy } from './plan-alerts.ts';
import type { RenderOptions } from './say/context.ts';

/** What the poller alerts about and how, beyond the status changes it always reports. */
export interface AlertPolicy extends VolumePolicy {
  /** Hours before the FOC date at which a still-pending request is reminded once each, e.g. [24, 4]. */
  reminderHours: number[];
  /** Also look for requests born `rejected` (a wrong PIN): the fraud attempts a pending listing never shows. */
  watchRejected: boolean;
  /** Also alert new comments on watched requests, from the events feed. */
  watchComments: boolean;
  /** How far back the rejected and comment queries look; covers an outage of the poller up to this long. */
  lookbackHours: number;
  render: RenderOptions;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  firstRunSummary: true,
  digestThreshold: 10,
  reminderHours: [24],
  watchRejected: true,
  watchComments: true,
  lookbackHours: 72,
  render: {},
};
