import { EVENT_TYPES } from './core/alert-types.ts';
import { SOURCE_FAILURE_KINDS } from './core/ports.ts';
import { WATCHES } from './core/watch-health.ts';

/**
 * Names shared by the poller (which emits them) and the stack (which alarms and graphs them).
 * Powertools adds the `service` dimension to every metric, so alarms must name it too.
 */
export const SERVICE_NAME = 'portout-watch';
export const METRIC_NAMESPACE = 'PortoutWatch';
/** Every run's summary log line starts with this; the dashboard's log queries find it by it. */
export const POLL_FINISHED = 'poll finished';
/**
 * A run over several accounts ends with this line too (after each account's POLL_FINISHED line, which carries
 * `account`): how many accounts were watched, and which were down, disabled or skipped.
 */
export const FLEET_FINISHED = 'fleet run finished';

export const METRIC = {
  /** 1 per healthy run (0 otherwise): the heartbeat, the one metric sent every run. */
  pollSucceeded: 'PollSucceeded',
  pollFailed: 'PollFailed',
  alertsPublished: 'AlertsPublished',
  alertsFailed: 'AlertsFailed',
  /** Alerts SNS accepted whose state write then failed: the next run sends them again. */
  alertsPossiblyDuplicated: 'AlertsPossiblyDuplicated',
  /** Per failure kind: `TelnyxErrors` with a `kind` dimension. */
  telnyxErrors: 'TelnyxErrors',
  /** 401 from Telnyx even after re-reading the secret: the API key needs fixing. */
  telnyxAuthFailures: 'TelnyxAuthFailures',
  invalidPortouts: 'InvalidPortouts',
  /** Another run held the lease, so this one left its events to it. */
  leaseBusy: 'LeaseBusy',
  /** Signals the listing looked wrong (empty, sharply shrunken, schema drift) and no conclusions were drawn. */
  listingAnomaly: 'ListingAnomaly',
  /** Per part of the watch (`watch` dimension): 1 in a run where a query it stands on failed, or its listing looked wrong. */
  watchDown: 'WatchDown',
  /** Per event type: `Events` with an `eventType` dimension. */
  events: 'Events',
  /** Per configured Telnyx account (`account` dimension), 1 in a run where its poll was not healthy; multi-account only. */
  accountDown: 'AccountDown',
  /** Discovered managed accounts whose poll was not healthy this run: their names are only in the log line. */
  managedAccountsDown: 'ManagedAccountsDown',
  /** Managed accounts Telnyx lists as disabled (or blocked, cancelled): not watched, named in a WARN line each run. */
  managedAccountsDisabled: 'ManagedAccountsDisabled',
  /** The manager account's listing or key was refused or failed: new managed accounts can't be found this run. */
  managedDiscoveryFailed: 'ManagedDiscoveryFailed',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * When a metric is sent. CloudWatch bills a custom metric for each hour it receives data in, so only the heartbeat,
 * whose absence is the alarm, goes out every run; everything else is sent only when it is not zero.
 * - `every-run`: each run, healthy or not.
 * - `alert-runs`: only in runs that published or tried to publish alerts.
 * - `fault-runs`: only in runs where something went wrong.
 */
export type MetricEmission = 'every-run' | 'alert-runs' | 'fault-runs';

export interface MetricDeclaration {
  emitted: MetricEmission;
  /** A dimension beyond `service`, and its values: each value is a metric of its own. */
  dimension?: { name: string; values: readonly string[] };
  /** Who reads it: an alarm, the dashboard, the fault suite. */
  readBy: string;
  /** Sent only by deployments that watch several accounts, or discover managed ones; priced only for them. */
  onlyWith?: 'several-accounts' | 'managed-accounts';
}

/** Every custom metric the poller sends, declared once: `npm run cost` prices them from this. */
export const METRICS: Record<MetricName, MetricDeclaration> = {
  PollSucceeded: { emitted: 'every-run', readBy: 'the heartbeat alarm; the dashboard' },
  PollFailed: { emitted: 'fault-runs', readBy: 'the dashboard' },
  AlertsPublished: { emitted: 'alert-runs', readBy: 'the dashboard' },
  AlertsFailed: { emitted: 'fault-runs', readBy: 'the dashboard' },
  AlertsPossiblyDuplicated: { emitted: 'fault-runs', readBy: 'the dashboard' },
  TelnyxErrors: {
    emitted: 'fault-runs',
    dimension: { name: 'kind', values: SOURCE_FAILURE_KINDS },
    readBy: 'the dashboard',
  },
  TelnyxAuthFailures: { emitted: 'fault-runs', readBy: 'the telnyx-auth-failures alarm' },
  InvalidPortouts: { emitted: 'fault-runs', readBy: 'the dashboard' },
  LeaseBusy: { emitted: 'fault-runs', readBy: 'the dashboard' },
  ListingAnomaly: { emitted: 'fault-runs', readBy: 'the dashboard' },
  WatchDown: { emitted: 'fault-runs', dimension: { name: 'watch', values: WATCHES }, readBy: 'the watch-down alarms, one per watch' },
  Events: { emitted: 'alert-runs', dimension: { name: 'eventType', values: EVENT_TYPES }, readBy: 'the dashboard' },
  // The account names come from config and discovery, not from code: one metric per named account.
  AccountDown: { emitted: 'fault-runs', dimension: { name: 'account', values: [] }, readBy: 'the account-down alarms, one per configured account', onlyWith: 'several-accounts' },
  ManagedAccountsDown: { emitted: 'fault-runs', readBy: 'the managed-accounts-down alarm', onlyWith: 'managed-accounts' },
  ManagedAccountsDisabled: { emitted: 'fault-runs', readBy: 'the dashboard', onlyWith: 'managed-accounts' },
  ManagedDiscoveryFailed: { emitted: 'fault-runs', readBy: 'the managed-account-discovery alarm', onlyWith: 'managed-accounts' },
};
