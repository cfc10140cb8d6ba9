import { ALERT_ATTRIBUTES } from './alert-types.ts';
import { countryCodesOf } from './country-codes.ts';
import type { PortoutEvent } from './events.ts';
import { fitParts, type TextPart } from './fit-parts.ts';
import { fitsOneSegment, toGsm7 } from './gsm7.ts';
import { isWatchedStatus, type Portout, type PortoutStatus } from './portout.ts';
import type { PortoutComment, TrackedPortout } from './ports.ts';
import { addHours, formatUtcLong, formatUtcShort, leftOrAgo, parseTimestamp, timeLeft } from './time-left.ts';
import { singleLine, toAsciiLine } from './transliterate.ts';

export const ALERT_SCHEMA_VERSION = 'portout-watch.alert/v1';
export const DEFAULT_PORTAL_URL = 'https://portal.telnyx.com/#/app/numbers/port-outs';
/** SNS requires a subject "less than 100 characters long". */
export const SUBJECT_MAX_CHARS = 99;
/** Telnyx authorizes a pending request nobody answered 24 to 48 hours after it was filed. */
export const AUTO_AUTHORIZE_AFTER_HOURS = { earliest: 24, latest: 48 } as const;

export interface RenderOptions {
  /** The SNS topic's display name, which SNS puts before every SMS as "NAME> ": it takes part of the budget. */
  displayName?: string;
  /** Where the alert tells people to review port-outs. */
  portalUrl?: string;
}

/** One alert, one text per channel, plus the attributes subscription filter policies match on. */
export interface RenderedAlert {
  /** Printable ASCII, one line, at most SUBJECT_MAX_CHARS. */
  subject: string;
  /** GSM-7 only, and one segment with the display name in front. */
  sms: string;
  email: string;
  /** The `default` channel, for machine subscribers: an AlertDocumentV1 or AlertGroupDocumentV1. */
  json: Record<string, unknown>;
  attributes: Record<string, string | string[]>;
}

// ---- The JSON documents (schema v1) -------------------------------------------------------------------------

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
};

type AlertDocumentCommonV1 = {
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

/** The JSON document of a summary or digest: each event it covers also goes out as its own AlertDocumentV1. */
export type AlertGroupDocumentV1 = {
  schema: typeof ALERT_SCHEMA_VERSION;
  alertId: string;
  type: AlertGroupKind;
  occurredAt: string;
  /** The alertIds of the events covered, in order. */
  alertIds: string[];
  portoutIds: string[];
  countryCodes: string[];
};

// ---- Facts every channel shares -----------------------------------------------------------------------------

interface RenderContext {
  alertId: string;
  now: Date;
  portalUrl: string;
}

/** What one event says; renderAlert fits the short texts to their channels. */
interface AlertContent {
  subject: TextPart[];
  sms: TextPart[];
  emailSections: string[];
  /** How a digest counts this event, e.g. "new pending". */
  tallyLabel: string;
  document: AlertDocumentV1;
}

const STATUS_MEANING: Record<PortoutStatus, string> = {
  pending:
    'awaiting your review. If nobody answers, Telnyx authorizes it automatically ' +
    `${AUTO_AUTHORIZE_AFTER_HOURS.earliest} to ${AUTO_AUTHORIZE_AFTER_HOURS.latest} hours after it was filed.`,
  authorized: 'approved. The numbers leave Telnyx on the FOC date, or up to 10 days after it.',
  'rejected-pending': 'rejected by you; Telnyx is checking the reason. An invalid reason sends it back to pending.',
  rejected: 'formally rejected. It will not go ahead.',
  canceled: 'canceled by the gaining carrier or by Telnyx. It will not go ahead.',
  ported: 'done. The numbers have left Telnyx.',
};

/** The first sentence of a status-changed email. */
const STATUS_NEWS: Record<PortoutStatus, string> = {
  pending: 'This port-out request is pending again: it needs your review.',
  authorized:
    'This port-out request was authorized: the numbers will leave Telnyx from the FOC date. ' +
    'If nobody on your side approved it, act now.',
  'rejected-pending': 'This port-out request was rejected, and Telnyx is checking the reason.',
  rejected: 'This port-out request was rejected. It will not go ahead.',
  canceled: 'This port-out request was canceled. It will not go ahead.',
  ported: 'These numbers have been ported away from Telnyx.',
};

/** Telnyx refused the customer's rejection: the request is live again, with the auto-authorization clock running. */
function rejectionRefused(previous: PortoutStatus, status: PortoutStatus): boolean {
  return previous === 'rejected-pending' && status === 'pending';
}

const upper = (status: PortoutStatus) => status.toUpperCase();

interface AutoAuthorizationWindow {
  filed: Date;
  earliest: Date;
  latest: Date;
}

/** Null unless the request is pending and Telnyx gave a filing time. */
function autoAuthorizationWindow(portout: Portout): AutoAuthorizationWindow | null {
  const filed = portout.status === 'pending' ? parseTimestamp(portout.createdAt) : null;
  if (!filed) return null;
  return {
    filed,
    earliest: addHours(filed, AUTO_AUTHORIZE_AFTER_HOURS.earliest),
    latest: addHours(filed, AUTO_AUTHORIZE_AFTER_HOURS.latest),
  };
}

/** Once a request is rejected, canceled or ported, its FOC date no longer matters. */
const focMatters = (status: PortoutStatus) => isWatchedStatus(status) || status === 'authorized';

/** The next moment that forces someone's hand: auto-authorization, else the FOC date. */
function nextDeadline(portout: Portout): { label: string; at: Date } | null {
  const window = autoAuthorizationWindow(portout);
  if (window) return { label: 'auto-auth', at: window.earliest };
  const foc = focMatters(portout.status) ? parseTimestamp(portout.focDate) : null;
  return foc && { label: 'FOC', at: foc };
}

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
    occurredAt: ctx.now.toISOString(),
    status: portout.status,
    previousStatus,
    countryCodes: countryCodesOf(portout.phoneNumbers),
    autoAuthorization: window && { earliest: window.earliest.toISOString(), latest: window.latest.toISOString() },
    portalUrl: ctx.portalUrl,
  };
}

// ---- Short texts: SMS and subject ---------------------------------------------------------------------------

/** Lower is kept longer. Parts show in the order each builder lists them, whatever their priority. */
const PRIORITY = {
  headline: 0,
  numbers: 1,
  key: 2,
  /** What only this event type has to say: the new FOC date, the comment. */
  news: 3,
  deadline: 4,
  foc: 5,
  carrier: 6,
  comment: 7,
  action: 8,
} as const;

/** Each short channel cleans free text its own way: GSM-7 for SMS, ASCII for the subject. */
type Clean = (text: string) => string;
const cleanSms: Clean = (text) => singleLine(toGsm7(singleLine(text)));

/** Cuts free text to at most `max` characters, at a word boundary when one is near, marking the cut. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 2);
  const words = cut.replace(/\s+\S*$/, '');
  return `${words.length >= max / 2 ? words : cut.trimEnd()}..`;
}

const headlinePart = (text: string): TextPart => ({ variants: [text], priority: PRIORITY.headline, required: true });

/** ": +13035551212 +2 more", or ": 3 numbers" when the first number is too long to fit. */
function numbersPart(numbers: readonly string[], clean: Clean): TextPart {
  const priority = PRIORITY.numbers;
  const first = numbers[0] === undefined ? '' : clean(numbers[0]);
  if (numbers.length === 0) return { variants: [': no number listed'], priority };
  const count = numbers.length === 1 ? ': 1 number' : `: ${numbers.length} numbers`;
  const more = numbers.length > 1 ? ` +${numbers.length - 1} more` : '';
  return { variants: first ? [`: ${first}${more}`, count] : [count], priority };
}

function keyPart(supportKey: string | null, clean: Clean, render: (key: string) => string): TextPart[] {
  const key = supportKey === null ? '' : clean(supportKey);
  return key ? [{ variants: [render(key)], priority: PRIORITY.key }] : [];
}

/** Carrier names are free text, so a long one is shortened rather than costing the whole part. */
function carrierPart(carrier: string | null, clean: Clean): TextPart[] {
  const name = carrier === null ? '' : clean(carrier);
  if (!name) return [];
  const short = shorten(name, 20);
  return [{ variants: short === name ? [` to ${name}`] : [` to ${name}`, ` to ${short}`], priority: PRIORITY.carrier }];
}

function smsFocPart(focDate: string | null, now: Date, priority: number, label = 'FOC'): TextPart[] {
  const foc = parseTimestamp(focDate);
  if (!foc) return [];
  const when = `. ${label} ${formatUtcShort(foc)}`;
  return [{ variants: [`${when} (${leftOrAgo(foc, now, { compact: true })})`, when], priority }];
}

const WINDOW_HOURS = `${AUTO_AUTHORIZE_AFTER_HOURS.earliest}-${AUTO_AUTHORIZE_AFTER_HOURS.latest}h`;

function smsAutoAuthPart(portout: Portout, now: Date): TextPart[] {
  const priority = PRIORITY.deadline;
  if (portout.status !== 'pending') return [];
  const window = autoAuthorizationWindow(portout);
  if (!window) return [{ variants: [`. Auto-auths if unanswered ${WINDOW_HOURS}`], priority }];
  const full = `. Auto-auth ~${WINDOW_HOURS} after ${formatUtcShort(window.filed)}`;
  if (now < window.earliest) {
    const left = timeLeft(window.earliest, now, { compact: true });
    return [{ variants: [`${full} (${left})`, `. ${left} to reject`], priority }];
  }
  if (now < window.latest) return [{ variants: [`${full}: may happen now`, '. May auto-auth now'], priority }];
  const overdue = timeLeft(window.latest, now, { compact: true });
  return [{ variants: [`${full} (${overdue})`, '. Auto-auth overdue'], priority }];
}

/** The newest comment, quoted as far as room allows. */
function smsCommentPart(comments: readonly PortoutComment[], priority: number): TextPart[] {
  const newest = comments.at(-1);
  const body = newest ? cleanSms(newest.body) : '';
  if (!newest || !body) return [];
  const who = newest.byTelnyxStaff ? 'Telnyx' : 'Comment';
  return [{ variants: [60, 30].map((max) => `. ${who}: "${shorten(body, max)}"`), priority }];
}

const SMS_CALL_TO_ACTION: Partial<Record<PortoutStatus, string>> = {
  pending: '. Not you? Reject it now',
  authorized: '. Not you? Call Telnyx support',
  ported: '. Not you? Call Telnyx support',
};

interface SmsSpec {
  headline: string;
  /** Parts only this event type has; they follow the carrier. */
  news?: TextPart[];
  comments?: readonly PortoutComment[];
  /** The FOC date is the deadline (authorized, reminders) rather than a detail. */
  focIsDeadline?: boolean;
  /** When the news already gives the FOC date. */
  hideFoc?: boolean;
  action?: string;
}

function portoutSms(portout: Portout, now: Date, spec: SmsSpec): TextPart[] {
  const action = spec.action ?? SMS_CALL_TO_ACTION[portout.status];
  const focIsDeadline = spec.focIsDeadline ?? portout.status === 'authorized';
  const showFoc = !spec.hideFoc && focMatters(portout.status);
  return [
    headlinePart(spec.headline),
    numbersPart(portout.phoneNumbers, cleanSms),
    ...carrierPart(portout.carrierName, cleanSms),
    ...(spec.news ?? []),
    ...smsAutoAuthPart(portout, now),
    ...(showFoc ? smsFocPart(portout.focDate, now, focIsDeadline ? PRIORITY.deadline : PRIORITY.foc) : []),
    ...keyPart(portout.supportKey, cleanSms, (key) => `. Ref ${key}`),
    ...smsCommentPart(spec.comments ?? [], PRIORITY.comment),
    ...(action ? [{ variants: [action], priority: PRIORITY.action }] : []),
  ];
}

function portoutSubject(headline: string, portout: Portout): TextPart[] {
  return [
    headlinePart(headline),
    numbersPart(portout.phoneNumbers, toAsciiLine),
    ...carrierPart(portout.carrierName, toAsciiLine),
    ...keyPart(portout.supportKey, toAsciiLine, (key) => ` (${key})`),
  ];
}

// ---- Email --------------------------------------------------------------------------------------------------

/**
 * Telnyx's free text, on one line and cut to a length no real value reaches: the JSON document already carries
 * every field whole, and one SNS message must stay under 256 KiB.
 */
const emailText = (text: string) => shorten(singleLine(text), 500);

function rows(entries: Array<[string, string]>): string {
  const width = Math.max(...entries.map(([label]) => label.length)) + 2;
  return entries.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`).join('\n');
}

const shown = (value: string | null, missing = 'not given') => (value === null ? missing : emailText(value) || missing);

/** A Telnyx timestamp in UTC, with how far it is from now unless `now` is null; unparseable ones as received. */
function emailTime(value: string | null, now: Date | null, missing: string): string {
  if (value === null) return missing;
  const moment = parseTimestamp(value);
  if (!moment) return emailText(value) || missing;
  return now ? `${formatUtcLong(moment)} (${leftOrAgo(moment, now)})` : formatUtcLong(moment);
}

/** For moments that have happened (filed, updated): a clock a little ahead of ours still reads as "ago". */
function emailPastTime(value: string | null, now: Date, missing: string): string {
  const moment = value === null ? null : parseTimestamp(value);
  if (moment && moment.getTime() >= now.getTime()) return `${formatUtcLong(moment)} (just now)`;
  return emailTime(value, now, missing);
}

function emailAutoAuthorization(portout: Portout, now: Date): string {
  const window = autoAuthorizationWindow(portout);
  if (!window) {
    const { earliest, latest } = AUTO_AUTHORIZE_AFTER_HOURS;
    return `${earliest} to ${latest} hours after the request was filed (Telnyx did not give the filing time)`;
  }
  const range = `between ${formatUtcLong(window.earliest)} and ${formatUtcLong(window.latest)}`;
  if (now < window.earliest) return `${range} (${timeLeft(window.earliest, now)} to reject before it may happen)`;
  if (now < window.latest) return `${range} (it may happen at any moment now)`;
  return `${range} (${timeLeft(window.latest, now)})`;
}

function statusSection(status: PortoutStatus, previous: PortoutStatus | null, label: string): string {
  const lines = [`${label}: ${status}${previous && previous !== status ? ` (was ${previous})` : ''}`];
  lines.push(`  ${status}: ${STATUS_MEANING[status]}`);
  if (previous && previous !== status) lines.push(`  ${previous}: ${STATUS_MEANING[previous]}`);
  return lines.join('\n');
}

function numbersSection(numbers: readonly string[]): string {
  if (numbers.length === 0) return 'Phone numbers: none listed by Telnyx';
  return [`Phone numbers (${numbers.length})`, ...numbers.map((number) => `  ${singleLine(number)}`)].join('\n');
}

function serviceAddress(portout: Portout): string {
  const cityLine = [portout.city, [portout.state, portout.zip].filter(Boolean).join(' ')]
    .map((part) => (part ? emailText(part) : ''))
    .filter(Boolean)
    .join(', ');
  const street = portout.serviceAddress ? emailText(portout.serviceAddress) : '';
  return [street, cityLine].filter(Boolean).join(', ') || 'not given';
}

function supportKeyLine(supportKey: string | null): string {
  return supportKey === null
    ? 'not given'
    : `${emailText(supportKey)} (the "Request #" in the Telnyx portal; quote it to Telnyx support)`;
}

function portoutSections(portout: Portout, now: Date, previousFocDate?: string | null): string[] {
  const timing: Array<[string, string]> = [];
  if (portout.status === 'pending') timing.push(['Auto-authorization', emailAutoAuthorization(portout, now)]);
  timing.push(['FOC date', emailTime(portout.focDate, now, 'not set yet')]);
  if (previousFocDate !== undefined) timing.push(['Previous FOC date', emailTime(previousFocDate, null, 'not set')]);
  timing.push(['Requested FOC date', emailTime(portout.requestedFocDate, null, 'not given')]);
  const details: Array<[string, string]> = [
    ['Gaining carrier', shown(portout.carrierName)],
    ['SPID', shown(portout.spid)],
    ['PON', shown(portout.pon)],
    ['End user', shown(portout.endUserName)],
    ['Authorized name', shown(portout.authorizedName)],
    ['Service address', serviceAddress(portout)],
    ['Support key', supportKeyLine(portout.supportKey)],
    ['Port-out id', portout.id],
  ];
  if (portout.rejectionCode !== null) details.push(['Rejection code', String(portout.rejectionCode)]);
  if (portout.reason !== null) details.push(['Reason', shown(portout.reason)]);
  details.push(
    ['Filed', emailPastTime(portout.createdAt, now, 'not given')],
    ['Last updated', emailPastTime(portout.updatedAt, now, 'not given')],
  );
  return [`Dates\n${rows(timing)}`, numbersSection(portout.phoneNumbers), `Request\n${rows(details)}`];
}

/** Comment bodies keep their line breaks; each line is cleaned, and the whole is cut like other free text. */
function commentsSection(comments: readonly PortoutComment[]): string[] {
  if (comments.length === 0) return [];
  const lines = comments.flatMap((comment) => {
    const who = comment.byTelnyxStaff ? 'Telnyx porting staff' : 'someone on your account';
    const body = shorten(comment.body, 2_000)
      .split(/\r\n|[\n\r\u2028\u2029]/)
      .map(singleLine)
      .filter(Boolean)
      .map((line) => `    ${line}`);
    return [`  ${emailTime(comment.createdAt, null, 'time not given')}, ${who}:`, ...body];
  });
  return [[`Comments (${comments.length})`, ...lines].join('\n')];
}

function rejectCommand(id: string): string {
  return [
    `    curl -X PATCH 'https://api.telnyx.com/v2/portouts/${encodeURIComponent(id)}/rejected-pending' \\`,
    `      -H "Authorization: Bearer $TELNYX_API_KEY" -H 'Content-Type: application/json' \\`,
    `      -d '{"reason": "Not requested by the account holder"}'`,
  ].join('\n');
}

function actionSection(portout: Portout, ctx: RenderContext): string {
  const key = portout.supportKey === null ? '' : `, quoting ${emailText(portout.supportKey)}`;
  const portal = `Telnyx portal: ${ctx.portalUrl}`;
  switch (portout.status) {
    case 'pending':
      return [
        'What to do',
        '  If you did not ask for this port-out, reject it before it is authorized:',
        `  - in the ${portal}`,
        '  - or through the Telnyx API (write the real reason: Telnyx checks it):',
        rejectCommand(portout.id),
        '  If you did ask for it, authorize it in the portal, or let it be authorized automatically.',
      ].join('\n');
    case 'rejected-pending':
      return [
        'What to do',
        '  Nothing for now. If Telnyx finds the reason invalid, the request goes back to pending',
        '  and you will get another alert.',
        `  Follow it in the ${portal}`,
      ].join('\n');
    case 'authorized':
    case 'ported':
      return `What to do\n  If nobody on your side asked for this, contact Telnyx support now${key}.\n  ${portal}`;
    case 'rejected':
    case 'canceled':
      return `What to do\n  Nothing: the numbers stay with Telnyx.\n  ${portal}`;
  }
}

function footer(alertId: string, now: Date): string {
  return `--\nportout-watch alert ${alertId}, detected ${formatUtcLong(now)}.`;
}

function numbersPhrase(numbers: readonly string[]): string {
  const [first] = numbers;
  if (first === undefined) return 'phone numbers (Telnyx did not list which)';
  return numbers.length === 1 ? emailText(first) : `${numbers.length} numbers (${emailText(first)} and others)`;
}

const carrierPhrase = (portout: Portout) => (portout.carrierName ? emailText(portout.carrierName) : 'another carrier');

/** The email of an event about a listed port-out: intro, status, dates, numbers, details, comments, actions. */
function portoutEmail(
  intro: string,
  portout: Portout,
  ctx: RenderContext,
  extra: {
    previousStatus?: PortoutStatus | null;
    previousFocDate?: string | null;
    comments?: readonly PortoutComment[];
  },
): string[] {
  return [
    intro,
    statusSection(portout.status, extra.previousStatus ?? null, 'Status'),
    ...portoutSections(portout, ctx.now, extra.previousFocDate),
    ...commentsSection(extra.comments ?? []),
    actionSection(portout, ctx),
  ];
}

// ---- One function per event type ----------------------------------------------------------------------------

type EventOf<T extends PortoutEvent['type']> = Extract<PortoutEvent, { type: T }>;

function renderNew(event: EventOf<'new'>, ctx: RenderContext): AlertContent {
  const { portout, comments } = event;
  const numbers = numbersPhrase(portout.phoneNumbers);
  const intro =
    portout.status === 'pending'
      ? `Someone has asked to move ${numbers} away from your Telnyx account to ${carrierPhrase(portout)}.\n` +
        'If you did not ask for this, reject it now: this is how phone numbers are hijacked.'
      : `A port-out request for ${numbers} to ${carrierPhrase(portout)} is already ${portout.status}; ` +
        'portout-watch sees it for the first time.';
  const headline = `New port-out ${upper(portout.status)}`;
  return {
    subject: portoutSubject(headline, portout),
    sms: portoutSms(portout, ctx.now, { headline, comments }),
    emailSections: portoutEmail(intro, portout, ctx, { comments }),
    tallyLabel: `new ${portout.status}`,
    document: {
      ...documentCommon(ctx, portout, null),
      type: 'new',
      portout: portoutDocument(portout),
      comments: commentDocuments(comments),
    },
  };
}

function renderStatusChanged(event: EventOf<'status-changed'>, ctx: RenderContext): AlertContent {
  const { portout, previousStatus, comments } = event;
  const refused = rejectionRefused(previousStatus, portout.status);
  const intro = refused
    ? 'Telnyx did not accept the rejection of this port-out request: it is pending again, ' +
      'and will be authorized automatically unless you reject it with a valid reason.'
    : STATUS_NEWS[portout.status];
  return {
    subject: portoutSubject(
      refused
        ? 'Port-out rejection refused, PENDING again'
        : `Port-out ${upper(portout.status)} (was ${previousStatus})`,
      portout,
    ),
    sms: portoutSms(portout, ctx.now, {
      headline: refused
        ? 'Port-out rejection REFUSED, PENDING again'
        : `Port-out ${previousStatus}->${upper(portout.status)}`,
      comments,
    }),
    emailSections: portoutEmail(intro, portout, ctx, { previousStatus, comments }),
    tallyLabel: `now ${portout.status}`,
    document: {
      ...documentCommon(ctx, portout, previousStatus),
      type: 'status-changed',
      portout: portoutDocument(portout),
      comments: commentDocuments(comments),
    },
  };
}

function renderFocDateChanged(event: EventOf<'foc-date-changed'>, ctx: RenderContext): AlertContent {
  const { portout, tracked, previousFocDate, comments } = event;
  const was = parseTimestamp(previousFocDate);
  const newFoc = smsFocPart(portout.focDate, ctx.now, PRIORITY.news, 'FOC now');
  const news: TextPart[] = newFoc.length > 0 ? newFoc : [{ variants: ['. FOC date cleared'], priority: PRIORITY.news }];
  if (was) news.push({ variants: [`, was ${formatUtcShort(was)}`], priority: PRIORITY.foc });
  const intro =
    `The FOC date of this port-out request changed from ${emailTime(previousFocDate, null, 'not set')} ` +
    `to ${emailTime(portout.focDate, ctx.now, 'not set')}. The numbers can leave from the FOC date on.`;
  return {
    subject: portoutSubject(`Port-out FOC date changed (${portout.status})`, portout),
    sms: portoutSms(portout, ctx.now, {
      headline: `Port-out FOC CHANGED (${portout.status})`,
      news,
      comments,
      hideFoc: true,
    }),
    emailSections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status, previousFocDate, comments }),
    tallyLabel: 'FOC moved',
    document: {
      ...documentCommon(ctx, portout, tracked.status),
      type: 'foc-date-changed',
      portout: portoutDocument(portout),
      previousFocDate,
      comments: commentDocuments(comments),
    },
  };
}

function renderNewComment(event: EventOf<'new-comment'>, ctx: RenderContext): AlertContent {
  const { portout, tracked, comments } = event;
  const byStaff = comments.some((comment) => comment.byTelnyxStaff);
  const intro = byStaff
    ? 'Telnyx porting staff commented on this port-out request. ' +
      'Staff comments often say why a rejection was not accepted.'
    : 'There is a new comment on this port-out request.';
  return {
    subject: portoutSubject(`Port-out ${byStaff ? 'comment from Telnyx' : 'comment'} (${portout.status})`, portout),
    sms: portoutSms(portout, ctx.now, {
      headline: `Port-out ${byStaff ? 'COMMENT from Telnyx' : 'COMMENT'} (${portout.status})`,
      news: smsCommentPart(comments, PRIORITY.news),
    }),
    emailSections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status, comments }),
    tallyLabel: 'commented',
    document: {
      ...documentCommon(ctx, portout, tracked.status),
      type: 'new-comment',
      portout: portoutDocument(portout),
      comments: commentDocuments(comments),
    },
  };
}

function renderFocApproaching(event: EventOf<'foc-approaching'>, ctx: RenderContext): AlertContent {
  const { portout, tracked, reminderHours } = event;
  const intro =
    `This port-out request is still ${portout.status}, and its FOC date is less than ${reminderHours} hours away: ` +
    `${emailTime(portout.focDate, ctx.now, 'not set')}. If these numbers must not leave, act now.`;
  return {
    subject: portoutSubject(`Port-out still ${portout.status}, FOC within ${reminderHours}h`, portout),
    sms: portoutSms(portout, ctx.now, {
      headline: `Port-out still ${upper(portout.status)}, FOC SOON`,
      focIsDeadline: true,
    }),
    emailSections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status }),
    tallyLabel: 'FOC soon',
    document: {
      ...documentCommon(ctx, portout, tracked.status),
      type: 'foc-approaching',
      portout: portoutDocument(portout),
      reminderHours,
    },
  };
}

function renderPossibleFraud(event: EventOf<'possible-fraud'>, ctx: RenderContext): AlertContent {
  const { portout } = event;
  const key = portout.supportKey === null ? '' : `, quoting ${emailText(portout.supportKey)}`;
  const intro =
    `A port-out request for ${numbersPhrase(portout.phoneNumbers)} to ${carrierPhrase(portout)} was ` +
    `${portout.status} without ever waiting for your review. With port-out PIN protection on, that is what ` +
    'happens when the PIN is missing or wrong: someone may be trying to take these numbers.';
  return {
    subject: portoutSubject(`Possible fraud: port-out ${upper(portout.status)} at once`, portout),
    sms: portoutSms(portout, ctx.now, {
      headline: `FRAUD? Port-out ${upper(portout.status)} at once`,
      action: '. Ask Telnyx who filed it',
    }),
    emailSections: [
      intro,
      statusSection(portout.status, null, 'Status'),
      ...portoutSections(portout, ctx.now),
      [
        'What to do',
        '  Nothing has moved. But whoever filed this knew enough about your account to try:',
        `  - ask Telnyx support who filed it${key};`,
        '  - keep the port-out PIN secret, and change it if it may have leaked;',
        `  - check that the numbers are still on your account: ${ctx.portalUrl}`,
      ].join('\n'),
    ],
    tallyLabel: 'possible fraud',
    document: { ...documentCommon(ctx, portout, null), type: 'possible-fraud', portout: portoutDocument(portout) },
  };
}

function renderVanished(event: EventOf<'vanished'>, ctx: RenderContext): AlertContent {
  const { tracked } = event;
  const key = tracked.supportKey === null ? '' : `, quoting ${emailText(tracked.supportKey)}`;
  return {
    subject: [
      headlinePart(`Port-out no longer found (was ${tracked.status})`),
      numbersPart(tracked.phoneNumbers, toAsciiLine),
      ...keyPart(tracked.supportKey, toAsciiLine, (text) => ` (${text})`),
    ],
    sms: [
      headlinePart(`Port-out GONE (was ${tracked.status})`),
      numbersPart(tracked.phoneNumbers, cleanSms),
      // Where to look matters more than why: the 404 is the first detail to go.
      { variants: ['. Telnyx answers 404'], priority: PRIORITY.foc },
      ...keyPart(tracked.supportKey, cleanSms, (text) => `. Ref ${text}`),
      { variants: ['. Check the Telnyx portal'], priority: PRIORITY.deadline },
    ],
    emailSections: [
      'Telnyx no longer returns this port-out request (it answers 404 Not Found), ' +
        'so portout-watch can no longer follow it. Below is what we last knew.',
      statusSection(tracked.status, null, 'Last status seen'),
      `Dates\n${rows([['FOC date', emailTime(tracked.focDate, ctx.now, 'not set when last seen')]])}`,
      numbersSection(tracked.phoneNumbers),
      `Request\n${rows([
        ['Support key', supportKeyLine(tracked.supportKey)],
        ['Port-out id', tracked.id],
      ])}`,
      [
        'What to check',
        '  - In the Telnyx portal, that the numbers are still on your account and whether the request is still ' +
          `listed: ${ctx.portalUrl}`,
        `  - With Telnyx support${key}: whether the request was withdrawn, removed, or completed.`,
        '  - That the API key portout-watch uses still has access to port-outs: a key that lost it sees 404 too.',
      ].join('\n'),
    ],
    tallyLabel: 'gone',
    document: {
      schema: ALERT_SCHEMA_VERSION,
      alertId: ctx.alertId,
      occurredAt: ctx.now.toISOString(),
      status: tracked.status,
      previousStatus: tracked.status,
      countryCodes: countryCodesOf(tracked.phoneNumbers),
      autoAuthorization: null,
      portalUrl: ctx.portalUrl,
      type: 'vanished',
      portout: lastKnownDocument(tracked),
    },
  };
}

function contentFor(event: PortoutEvent, ctx: RenderContext): AlertContent {
  switch (event.type) {
    case 'new':
      return renderNew(event, ctx);
    case 'status-changed':
      return renderStatusChanged(event, ctx);
    case 'foc-date-changed':
      return renderFocDateChanged(event, ctx);
    case 'new-comment':
      return renderNewComment(event, ctx);
    case 'foc-approaching':
      return renderFocApproaching(event, ctx);
    case 'possible-fraud':
      return renderPossibleFraud(event, ctx);
    case 'vanished':
      return renderVanished(event, ctx);
  }
}

function contextFor(alertId: string, now: Date, options: RenderOptions): RenderContext {
  return { alertId, now, portalUrl: options.portalUrl ?? DEFAULT_PORTAL_URL };
}

const fitSubject = (parts: readonly TextPart[]) => fitParts(parts, (text) => text.length <= SUBJECT_MAX_CHARS);
const fitSms = (parts: readonly TextPart[], displayName: string) =>
  fitParts(parts, (text) => fitsOneSegment(text, displayName));

export function renderAlert(
  event: PortoutEvent,
  alertId: string,
  now: Date,
  options: RenderOptions = {},
): RenderedAlert {
  const content = contentFor(event, contextFor(alertId, now, options));
  const { document } = content;
  return {
    subject: fitSubject(content.subject),
    sms: fitSms(content.sms, options.displayName ?? ''),
    email: `${[...content.emailSections, footer(alertId, now)].join('\n\n')}\n`,
    json: document,
    attributes: {
      [ALERT_ATTRIBUTES.eventType.name]: document.type,
      [ALERT_ATTRIBUTES.status.name]: document.status,
      [ALERT_ATTRIBUTES.previousStatus.name]: document.previousStatus ?? 'none',
      [ALERT_ATTRIBUTES.countryCodes.name]: document.countryCodes,
    },
  };
}

// ---- Several events in one message --------------------------------------------------------------------------

export type AlertGroupKind = 'watch-started' | 'digest';

export interface GroupedEvent {
  event: PortoutEvent;
  alertId: string;
}

/** Past this, a group's email lists the rest by subject only, so the message stays under SNS's 256 KiB. */
const GROUP_EMAIL_DETAIL_CHARS = 100_000;
/** And past this many, not even by subject. */
const GROUP_EMAIL_MAX_LINES = 500;

const eventPortout = (event: PortoutEvent): Portout | null => (event.type === 'vanished' ? null : event.portout);
const eventNumbers = (event: PortoutEvent) => (event.type === 'vanished' ? event.tracked : event.portout).phoneNumbers;

/** "3 new pending, 1 now authorized", most frequent first. */
function tally(contents: readonly AlertContent[]): string {
  const counts = new Map<string, number>();
  for (const content of contents) counts.set(content.tallyLabel, (counts.get(content.tallyLabel) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
}

function mostUrgent(events: readonly PortoutEvent[]): { portout: Portout; label: string; at: Date } | null {
  let best: { portout: Portout; label: string; at: Date } | null = null;
  for (const event of events) {
    const portout = eventPortout(event);
    const deadline = portout && nextDeadline(portout);
    if (portout && deadline && (!best || deadline.at < best.at)) best = { portout, ...deadline };
  }
  return best;
}

function smsUrgentPart(events: readonly PortoutEvent[], now: Date): TextPart[] {
  const urgent = mostUrgent(events);
  if (!urgent) return [];
  const when = `${urgent.label} ${leftOrAgo(urgent.at, now, { compact: true })}`;
  const first = urgent.portout.phoneNumbers[0] === undefined ? '' : cleanSms(urgent.portout.phoneNumbers[0]);
  const variants = first ? [`. Most urgent: ${first} (${when})`, `. Most urgent: ${when}`] : [`. Most urgent: ${when}`];
  return [{ variants, priority: PRIORITY.deadline }];
}

/** One message for people covering several events: the first run's summary, or a digest of a busy run. */
export function renderGroup(
  kind: AlertGroupKind,
  items: readonly GroupedEvent[],
  groupId: string,
  now: Date,
  options: RenderOptions = {},
): RenderedAlert {
  const contents = items.map((item) => contentFor(item.event, contextFor(item.alertId, now, options)));
  const { portalUrl } = contextFor(groupId, now, options);
  const events = items.map((item) => item.event);
  const count = `${items.length} port-out ${items.length === 1 ? 'request' : 'requests'}`;
  const summary = tally(contents);
  const breakdown: TextPart[] = summary ? [{ variants: [`: ${summary}`], priority: PRIORITY.numbers }] : [];

  const overview: string[] = [];
  const details: string[] = [];
  let detailChars = 0;
  contents.forEach((content, index) => {
    if (index >= GROUP_EMAIL_MAX_LINES) return;
    overview.push(`  - ${fitSubject(content.subject)}`);
    const text = `${'='.repeat(72)}\n${fitSubject(content.subject)}\n\n${content.emailSections.join('\n\n')}`;
    if (detailChars + text.length > GROUP_EMAIL_DETAIL_CHARS) return;
    detailChars += text.length;
    details.push(text);
  });
  const omitted = contents.length - details.length;
  const email = [
    kind === 'watch-started'
      ? `portout-watch now watches ${count}. From now on, each change comes as its own alert.`
      : `${count} changed since the last check, so they come together in this one message.`,
    summary ? `Overview (${summary})\n${overview.join('\n')}` : 'No port-out request needs your attention right now.',
    ...details,
    ...(omitted > 0 ? [`${omitted} more not shown in full here: see the Telnyx portal: ${portalUrl}`] : []),
    footer(groupId, now),
  ];

  const numbers = events.flatMap(eventNumbers);
  const document: AlertGroupDocumentV1 = {
    schema: ALERT_SCHEMA_VERSION,
    alertId: groupId,
    type: kind,
    occurredAt: now.toISOString(),
    alertIds: items.map((item) => item.alertId),
    portoutIds: contents.map((content) => content.document.portout.id),
    countryCodes: countryCodesOf(numbers),
  };
  const distinct = (values: string[]) => [...new Set(values)].sort();
  return {
    subject: fitSubject([
      headlinePart(kind === 'watch-started' ? `portout-watch now watches ${count}` : `${count} changed`),
      ...breakdown,
    ]),
    // Short headlines: even a count in the thousands must fit beside a display name in a UCS-2 segment.
    sms: fitSms(
      [
        headlinePart(
          kind === 'watch-started' ? `Watching ${items.length} port-outs` : `${items.length} port-out changes`,
        ),
        ...breakdown,
        ...smsUrgentPart(events, now),
        { variants: ['. Details by email'], priority: PRIORITY.action },
      ],
      options.displayName ?? '',
    ),
    email: `${email.join('\n\n')}\n`,
    json: document,
    attributes: {
      // The group's own type and every type it carries: a subscription filtered to, say, possible-fraud still gets
      // the digest that holds one, rather than never hearing of it.
      [ALERT_ATTRIBUTES.eventType.name]: distinct([kind, ...events.map((event) => event.type)]),
      // A group holds several statuses: as arrays, a filter on any one of them still matches.
      [ALERT_ATTRIBUTES.status.name]: distinct(contents.map((content) => content.document.status)),
      [ALERT_ATTRIBUTES.previousStatus.name]: distinct(
        contents.map((content) => content.document.previousStatus ?? 'none'),
      ),
      [ALERT_ATTRIBUTES.countryCodes.name]: document.countryCodes,
    },
  };
}
