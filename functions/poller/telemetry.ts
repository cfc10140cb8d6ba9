/**
 * Names shared by the poller (which emits them) and the stack (which alarms and graphs them).
 * Powertools adds the `service` dimension to every metric, so alarms must name it too.
 */
export const SERVICE_NAME = 'portout-watch';
export const METRIC_NAMESPACE = 'PortoutWatch';

export const METRIC = {
  /** 1 per run that finished with a complete listing and every due alert delivered: the heartbeat. */
  pollSucceeded: 'PollSucceeded',
  pollFailed: 'PollFailed',
  /** Port-outs in pending or rejected-pending seen by the run. */
  portoutsWatched: 'PortoutsWatched',
  alertsPublished: 'AlertsPublished',
  alertsFailed: 'AlertsFailed',
  /** Alerts SNS accepted whose state write then failed: the next run sends them again. */
  alertsPossiblyDuplicated: 'AlertsPossiblyDuplicated',
  telnyxRequests: 'TelnyxRequests',
  telnyxErrors: 'TelnyxErrors',
  /** 401 from Telnyx even after re-reading the secret: the API key needs fixing. */
  telnyxAuthFailures: 'TelnyxAuthFailures',
  invalidPortouts: 'InvalidPortouts',
  /** Another run held the lease, so this one left its events to it. */
  leaseBusy: 'LeaseBusy',
  /** Signals the listing looked wrong (empty, sharply shrunken, schema drift) and no conclusions were drawn. */
  listingAnomaly: 'ListingAnomaly',
  /** Per event type: `Events` with an `eventType` dimension. */
  events: 'Events',
} as const;
