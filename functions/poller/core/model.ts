import type { Portout, PortoutStatus, UnreadableField } from './portout.ts';

// The types both halves of the core share: deciding what happened (diff, events, runPoll) and saying it (say/).
// They live here and import neither half, so the two halves never import each other in a circle.

/** A comment on a port-out request, from the events feed. */
export interface PortoutComment {
  id: string;
  portoutId: string;
  body: string;
  /** Telnyx porting staff wrote it (e.g. to say a rejection reason was not accepted). */
  byTelnyxStaff: boolean;
  /** ISO 8601, normalised to UTC. */
  createdAt: string;
  /** Parts of the feed entry that arrived in a shape that can't be read (`payload.comment`, `payload.user_id`). */
  unreadable: UnreadableField[];
}

/** What the poller remembers of a port-out: enough to diff and to name it if it vanishes. */
export interface TrackedPortout {
  id: string;
  status: PortoutStatus;
  focDate: string | null;
  phoneNumbers: string[];
  supportKey: string | null;
  /** FOC reminder thresholds (hours before the FOC date) already covered by an alert, so each goes out once. */
  remindedHours: number[];
  /** The newest comment already alerted (ISO), so a comment is told once. */
  lastCommentAt: string | null;
  /** Bumped on every write; writes are conditional on the version that was read. */
  version: number;
}

/**
 * What happened to one port-out in one run: at most one event per port-out, the most important kind
 * (status > FOC date > comment > reminder), carrying the comments that came with it.
 */
export type PortoutEvent =
  /** `priorVersion`: the version of a closed record the request had before (it vanished and came back). */
  | { type: 'new'; portout: Portout; comments: PortoutComment[]; priorVersion?: number }
  | { type: 'status-changed'; portout: Portout; tracked: TrackedPortout; previousStatus: PortoutStatus; comments: PortoutComment[] }
  | { type: 'foc-date-changed'; portout: Portout; tracked: TrackedPortout; previousFocDate: string | null; comments: PortoutComment[] }
  | { type: 'new-comment'; portout: Portout; tracked: TrackedPortout; comments: PortoutComment[] }
  /** Still pending with the FOC date inside a reminder threshold (hours) not yet reminded. */
  | { type: 'foc-approaching'; portout: Portout; tracked: TrackedPortout; reminderHours: number }
  /** A tracked request that Telnyx now answers 404 for. */
  | { type: 'vanished'; tracked: TrackedPortout }
  /** A request created as (or turned) `rejected` before it was ever seen pending: with PIN protection, a wrong PIN. */
  | { type: 'possible-fraud'; portout: Portout };

/** One alert, one text per channel, plus the attributes subscription filter policies match on. */
export interface RenderedAlert {
  /** Printable ASCII, one line, at most SUBJECT_MAX_CHARS. */
  subject: string;
  /** GSM-7 only, and one segment with the display name in front. */
  sms: string;
  email: string;
  /** The `default` channel, for machine subscribers: an AlertDocumentV1 or AlertGroupDocumentV1. */
  json: Record<string, unknown>;
  /** Slack and Teams through AWS Chatbot: a ChatNotification, in Chatbot's custom notification schema. */
  chat: Record<string, unknown>;
  attributes: Record<string, string | string[]>;
}
