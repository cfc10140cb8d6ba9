import type { TEST_EVENT_TYPE } from '../alert-types.ts';
import type { PortoutComment, PortoutEvent, TrackedPortout } from '../model.ts';
import type { Portout, PortoutStatus } from '../portout.ts';
import type { AlertGroupKind, EventOf, GroupedEvent, RenderContext } from './context.ts';
import { countryCodesOf } from './country-codes.ts';
import { autoAuthorizationWindow, eventNumbers } from './facts.ts';
import { unreadableDocument } from './unreadable.ts';

// The `default` channel: a versioned JSON document for machine subscribers (Lambda, SQS, HTTPS).

export const ALERT_SCHEMA_VERSION = 'portout-watch.alert/v1';

/** Every Portout field, under names this schema keeps stable. Timestamps are Telnyx's strings, as received. */
export type PortoutDocumentV1 = {
  id: string;
  status: PortoutStatus;
  phoneNumbers: string[];
  supportKey: string | null;
  carrierName: string | null;
  spid: string | null;
  pon: string | null;
  focDate: string | null;
  requestedFocDate: string | null;
  endUserName: string | null;
  authorizedName: string | null;
  serviceAddress: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  reason: string | null;
  rejectionCode: number | null;
  createdAt: string | null;
  updatedAt: string | null;
};

/** What the poller last recorded of a port-out that Telnyx no longer returns. */
export type LastKnownPortoutV1 = {
  id: string;
  status: PortoutStatus;
  phoneNumbers: string[];
  supportKey: string | null;
  focDate: string | null;
};

export type CommentDocumentV1 = {
  id: string;
  body: string;
  /** Written by Telnyx porting staff rather than by someone on the account. */
  byTelnyxStaff: boolean;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** Parts of the feed entry Telnyx sent in a shape that can't be read (`payload.comment`): `body` is then empty. */
  unreadableFields: string[];
  /** What each of those held, as JSON, printable ASCII, cut to 40 characters. */
  unreadableValues: Record<string, string>;
};

/**
 * The Telnyx account the alert is about, by its stable name (the `account` message attribute's value): present only
 * when the deployment watches more than its one default account.
 */
type AccountFieldV1 = { account?: string };

type AlertDocumentCommonV1 = AccountFieldV1 & {
  schema: typeof ALERT_SCHEMA_VERSION;
  /** Stable across re-sends of the same alert: drop duplicates on it. */
  alertId: string;
  /** ISO 8601, UTC: when the poll that found the event ran. */
  occurredAt: string;
  /** The port-out's status now; for 'vanished', the last one seen. */
  status: PortoutStatus;
  /** The status before this event: null for a request never seen before; equal to `status` unless it changed. */
  previousStatus: PortoutStatus | null;
  /** ISO 3166-1 alpha-2 codes of the numbers ('ZZ' for numbers that could not be placed); sorted. */
  countryCodes: string[];
  /** For a pending request with a known filing time: when Telnyx may authorize it by itself (ISO 8601, UTC). */
  autoAuthorization: { earliest: string; latest: string } | null;
  portalUrl: string;
  /**
   * Port-out fields Telnyx sent in a shape that can't be read, by their Telnyx names (`foc_date`); each is null in
   * `portout`. The alert went out anyway: only a request without a usable id or status is held back.
   */
  unreadableFields: string[];
  /** What each of those held, as JSON, printable ASCII, cut to 40 characters. */
  unreadableValues: Record<string, string>;
};

/** The JSON document of a one-event alert. New fields may be added within v1; none is renamed or removed. */
export type AlertDocumentV1 = AlertDocumentCommonV1 &
  (
    | { type: 'new'; portout: PortoutDocumentV1; comments: CommentDocumentV1[] }
    | { type: 'status-changed'; portout: PortoutDocumentV1; comments: CommentDocumentV1[] }
    | {
        type: 'foc-date-changed';
        portout: PortoutDocumentV1;
        previousFocDate: string | null;
        comments: CommentDocumentV1[];
      }
    | { type: 'new-comment'; portout: PortoutDocumentV1; comments: CommentDocumentV1[] }
    /** `reminderHours`: the reminder threshold crossed, in hours before the FOC date. */
    | { type: 'foc-approaching'; portout: PortoutDocumentV1; reminderHours: number }
    | { type: 'vanished'; portout: LastKnownPortoutV1 }
    | { type: 'possible-fraud'; portout: PortoutDocumentV1 }
  );

/** The JSON document of a test alert: `test` is always true, and no port-out is named. */
export type TestAlertDocumentV1 = AccountFieldV1 & {
  schema: typeof ALERT_SCHEMA_VERSION;
  alertId: string;
  type: typeof TEST_EVENT_TYPE;
  occurredAt: string;
  test: true;
  note: string;
};

/** The JSON document of a summary or digest: each event it covers also goes out as its own AlertDocumentV1. */
export type AlertGroupDocumentV1 = AccountFieldV1 & {
  schema: typeof ALERT_SCHEMA_VERSION;
  alertId: string;
  type: AlertGroupKind;
  occurredAt: string;
  /** The alertIds of the events covered, in order. */
  alertIds: string[];
  portoutIds: string[];
  countryCodes: string[];
};

const accountField = (ctx: RenderContext): AccountFieldV1 => (ctx.account ? { account: ctx.account.name } : {});

function portoutDocument(portout: Portout): PortoutDocumentV1 {
  return {
    id: portout.id,
    status: portout.status,
    phoneNumbers: [...portout.phoneNumbers],
    supportKey: portout.supportKey,
    carrierName: portout.carrierName,
    spid: portout.spid,
    pon: portout.pon,
    focDate: portout.focDate,
    requestedFocDate: portout.requestedFocDate,
    endUserName: portout.endUserName,
    authorizedName: portout.authorizedName,
    serviceAddress: portout.serviceAddress,
    city: portout.city,
    state: portout.state,
    zip: portout.zip,
    reason: portout.reason,
    rejectionCode: portout.rejectionCode,
    createdAt: portout.createdAt,
    updatedAt: portout.updatedAt,
  };
}

function lastKnownDocument(tracked: TrackedPortout): LastKnownPortoutV1 {
  return {
    id: tracked.id,
    status: tracked.status,
    phoneNumbers: [...tracked.phoneNumbers],
    supportKey: tracked.supportKey,
    focDate: tracked.focDate,
  };
}

function commentDocuments(comments: readonly PortoutComment[]): CommentDocumentV1[] {
  return comments.map((comment) => ({
    id: comment.id,
    body: comment.body,
    byTelnyxStaff: comment.byTelnyxStaff,
    createdAt: comment.createdAt,
    ...unreadableDocument(comment),
  }));
}

function documentCommon(
  ctx: RenderContext,
  portout: Portout,
  previousStatus: PortoutStatus | null,
): AlertDocumentCommonV1 {
  const window = autoAuthorizationWindow(portout);
  return {
    schema: ALERT_SCHEMA_VERSION,
    alertId: ctx.alertId,
    ...accountField(ctx),
    occurredAt: ctx.now.toISOString(),
    status: portout.status,
    previousStatus,
    countryCodes: countryCodesOf(portout.phoneNumbers),
    autoAuthorization: window && { earliest: window.earliest.toISOString(), latest: window.latest.toISOString() },
    portalUrl: ctx.portalUrl,
    ...unreadableDocument(portout),
  };
}

function vanishedDocument(event: EventOf<'vanished'>, ctx: RenderContext): AlertDocumentV1 {
  const { tracked } = event;
  return {
    schema: ALERT_SCHEMA_VERSION,
    alertId: ctx.alertId,
    ...accountField(ctx),
    occurredAt: ctx.now.toISOString(),
    status: tracked.status,
    previousStatus: tracked.status,
    countryCodes: countryCodesOf(tracked.phoneNumbers),
    autoAuthorization: null,
    portalUrl: ctx.portalUrl,
    unreadableFields: [],
    unreadableValues: {},
    type: 'vanished',
    portout: lastKnownDocument(tracked),
  };
}

export function alertDocument(event: PortoutEvent, ctx: RenderContext): AlertDocumentV1 {
  switch (event.type) {
    case 'new':
      return {
        ...documentCommon(ctx, event.portout, null),
        type: 'new',
        portout: portoutDocument(event.portout),
        comments: commentDocuments(event.comments),
      };
    case 'status-changed':
      return {
        ...documentCommon(ctx, event.portout, event.previousStatus),
        type: 'status-changed',
        portout: portoutDocument(event.portout),
        comments: commentDocuments(event.comments),
      };
    case 'foc-date-changed':
      return {
        ...documentCommon(ctx, event.portout, event.tracked.status),
        type: 'foc-date-changed',
        portout: portoutDocument(event.portout),
        previousFocDate: event.previousFocDate,
        comments: commentDocuments(event.comments),
      };
    case 'new-comment':
      return {
        ...documentCommon(ctx, event.portout, event.tracked.status),
        type: 'new-comment',
        portout: portoutDocument(event.portout),
        comments: commentDocuments(event.comments),
      };
    case 'foc-approaching':
      return {
        ...documentCommon(ctx, event.portout, event.tracked.status),
        type: 'foc-approaching',
        portout: portoutDocument(event.portout),
        reminderHours: event.reminderHours,
      };
    case 'possible-fraud':
      return { ...documentCommon(ctx, event.portout, null), type: 'possible-fraud', portout: portoutDocument(event.portout) };
    case 'vanished':
      return vanishedDocument(event, ctx);
  }
}

/** `documents`: the items' own documents, in order. */
export function groupDocument(
  kind: AlertGroupKind,
  items: readonly GroupedEvent[],
  documents: readonly AlertDocumentV1[],
  ctx: RenderContext,
): AlertGroupDocumentV1 {
  return {
    schema: ALERT_SCHEMA_VERSION,
    alertId: ctx.alertId,
    ...accountField(ctx),
    type: kind,
    occurredAt: ctx.now.toISOString(),
    alertIds: items.map((item) => item.alertId),
    portoutIds: documents.map((document) => document.portout.id),
    countryCodes: countryCodesOf(items.flatMap((item) => eventNumbers(item.event))),
  };
}

export function testDocument(ctx: RenderContext): TestAlertDocumentV1 {
  return {
    schema: ALERT_SCHEMA_VERSION,
    alertId: ctx.alertId,
    ...accountField(ctx),
    type: 'test',
    occurredAt: ctx.now.toISOString(),
    test: true,
    note: 'A test alert sent on request (npm run test-alert): no port-out happened.',
  };
}
