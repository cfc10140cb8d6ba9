import type { PortoutComment, PortoutEvent } from '../model.ts';
import { isKnownStatus, type KnownPortoutStatus, type Portout, type PortoutStatus } from '../portout.ts';
import type { AlertGroupKind, EventOf, GroupedEvent, RenderContext } from './context.ts';
import {
  AUTO_AUTHORIZE_AFTER_HOURS,
  autoAuthorizationWindow,
  eventPortout,
  focMatters,
  nextDeadline,
  rejectionRefused,
  upper,
} from './facts.ts';
import { fitParts, type TextPart } from './fit-parts.ts';
import { fitsOneSegment, isGsm7BasicChar, toGsm7 } from './gsm7.ts';
import {
  ACCOUNT_LABEL_CHARS,
  accountPart,
  carrierPart,
  headlinePart,
  keyPart,
  numbersPart,
  PRIORITY,
  shorten,
  tallyPart,
  type Clean,
} from './short-text.ts';
import { formatUtcShort, leftOrAgo, parseTimestamp, timeLeft } from './time-left.ts';
import { singleLine, transliterate } from './transliterate.ts';
import { unreadableRaw } from './unreadable.ts';

// The SMS: one GSM-7 segment, display name included, the most important parts kept (see fitParts).

const cleanSms: Clean = (text) => singleLine(toGsm7(singleLine(text)));
/** The account's label keeps to GSM-7's basic table, so its length in characters is its cost in septets. */
const cleanSmsLabel: Clean = (text) => singleLine(transliterate(singleLine(text), isGsm7BasicChar));
const smsAccountPart = (ctx: RenderContext) => accountPart(ctx.account, cleanSmsLabel, ACCOUNT_LABEL_CHARS.sms);

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
  const unknownWhen = `. Auto-auths if unanswered ${WINDOW_HOURS}`;
  if (!window && unreadableRaw(portout, 'created_at') !== undefined) {
    return [{ variants: [`. Auto-auths ${WINDOW_HOURS} after filing (time unreadable)`, unknownWhen], priority }];
  }
  if (!window) return [{ variants: [unknownWhen], priority }];
  const full = `. Auto-auth ~${WINDOW_HOURS} after ${formatUtcShort(window.filed)}`;
  if (now < window.earliest) {
    const left = timeLeft(window.earliest, now, { compact: true });
    return [{ variants: [`${full} (${left})`, `. ${left} to reject`], priority }];
  }
  if (now < window.latest) return [{ variants: [`${full}: may happen now`, '. May auto-auth now'], priority }];
  const overdue = timeLeft(window.latest, now, { compact: true });
  return [{ variants: [`${full} (${overdue})`, '. Auto-auth overdue'], priority }];
}

/** The newest comment, quoted as far as room allows: at most the first of `lengths` characters that fits. */
function smsCommentPart(comments: readonly PortoutComment[], priority: number, lengths = [60, 30]): TextPart[] {
  const newest = comments.at(-1);
  const body = newest ? cleanSms(newest.body) : '';
  if (!newest) return [];
  const who = newest.byTelnyxStaff ? 'Telnyx' : 'Comment';
  if (!body) {
    const unreadable = unreadableRaw(newest, 'payload.comment') ?? unreadableRaw(newest, 'payload');
    return unreadable === undefined ? [] : [{ variants: [`. ${who}: (unreadable)`], priority }];
  }
  return [{ variants: lengths.map((max) => `. ${who}: "${shorten(body, max)}"`), priority }];
}

const SMS_CALL_TO_ACTION: Partial<Record<KnownPortoutStatus, string>> = {
  pending: '. Not you? Reject it now',
  authorized: '. Not you? Call Telnyx support',
  ported: '. Not you? Call Telnyx support',
};
const smsCallToAction = (status: PortoutStatus) => (isKnownStatus(status) ? SMS_CALL_TO_ACTION[status] : '. Check the Telnyx portal');

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

/** A FOC date that can't be read: said, with what Telnyx sent as far as room allows, and no time left. */
function smsUnreadableFocPart(raw: string, priority: number): TextPart[] {
  return [{ variants: [`. FOC unreadable ${cleanSms(raw)}`, '. FOC unreadable'], priority }];
}

function portoutSms(portout: Portout, now: Date, spec: SmsSpec): TextPart[] {
  const action = spec.action ?? smsCallToAction(portout.status);
  const focIsDeadline = spec.focIsDeadline ?? portout.status === 'authorized';
  const showFoc = !spec.hideFoc && focMatters(portout.status);
  const focPriority = focIsDeadline ? PRIORITY.deadline : PRIORITY.foc;
  const unreadableFoc = unreadableRaw(portout, 'foc_date');
  return [
    headlinePart(spec.headline),
    numbersPart(portout.phoneNumbers, cleanSms, unreadableRaw(portout, 'phone_numbers') !== undefined),
    ...carrierPart(portout.carrierName, cleanSms),
    ...(spec.news ?? []),
    ...smsAutoAuthPart(portout, now),
    ...(showFoc
      ? unreadableFoc === undefined
        ? smsFocPart(portout.focDate, now, focPriority)
        : smsUnreadableFocPart(unreadableFoc, focPriority)
      : []),
    ...keyPart(portout.supportKey, cleanSms, (key) => `. Ref ${key}`),
    ...smsCommentPart(spec.comments ?? [], PRIORITY.comment),
    ...(action ? [{ variants: [action], priority: PRIORITY.action }] : []),
  ];
}

// ---- One SMS per event type ---------------------------------------------------------------------------------

function smsNew(event: EventOf<'new'>, now: Date): TextPart[] {
  const { portout, comments } = event;
  return portoutSms(portout, now, { headline: `New port-out ${upper(portout.status)}`, comments });
}

function smsStatusChanged(event: EventOf<'status-changed'>, now: Date): TextPart[] {
  const { portout, previousStatus, comments } = event;
  return portoutSms(portout, now, {
    headline: rejectionRefused(previousStatus, portout.status)
      ? 'Port-out rejection REFUSED, PENDING again'
      : `Port-out ${previousStatus}->${upper(portout.status)}`,
    comments,
  });
}

function smsFocDateChanged(event: EventOf<'foc-date-changed'>, now: Date): TextPart[] {
  const { portout, previousFocDate, comments } = event;
  const was = parseTimestamp(previousFocDate);
  const newFoc = smsFocPart(portout.focDate, now, PRIORITY.news, 'FOC now');
  const news: TextPart[] = newFoc.length > 0 ? newFoc : [{ variants: ['. FOC date cleared'], priority: PRIORITY.news }];
  if (was) news.push({ variants: [`, was ${formatUtcShort(was)}`], priority: PRIORITY.foc });
  return portoutSms(portout, now, {
    headline: `Port-out FOC CHANGED (${portout.status})`,
    news,
    comments,
    hideFoc: true,
  });
}

/**
 * `besideAccount`: an account's label takes up to 14 septets. On a pending request the quote, placed before the time
 * left, is then cut to 16 characters, so "18h left to reject" keeps its room even at the worst case: a 15-digit
 * number and 999 more, a 9-digit key and a 10-character display name come to 159 septets.
 */
function smsNewComment(event: EventOf<'new-comment'>, now: Date, besideAccount: boolean): TextPart[] {
  const { portout, comments } = event;
  const byStaff = comments.some((comment) => comment.byTelnyxStaff);
  const makeRoom = besideAccount && portout.status === 'pending';
  return portoutSms(portout, now, {
    headline: `Port-out ${byStaff ? 'COMMENT from Telnyx' : 'COMMENT'} (${portout.status})`,
    news: smsCommentPart(comments, PRIORITY.news, makeRoom ? [16] : [60, 30]),
  });
}

function smsFocApproaching(event: EventOf<'foc-approaching'>, now: Date): TextPart[] {
  const { portout } = event;
  return portoutSms(portout, now, {
    headline: `Port-out still ${upper(portout.status)}, FOC SOON`,
    focIsDeadline: true,
  });
}

function smsPossibleFraud(event: EventOf<'possible-fraud'>, now: Date): TextPart[] {
  const { portout } = event;
  return portoutSms(portout, now, {
    headline: `FRAUD? Port-out ${upper(portout.status)} at once`,
    action: '. Ask Telnyx who filed it',
  });
}

function smsVanished(event: EventOf<'vanished'>): TextPart[] {
  const { tracked } = event;
  return [
    headlinePart(`Port-out GONE (was ${tracked.status})`),
    numbersPart(tracked.phoneNumbers, cleanSms),
    // Where to look matters more than why: the 404 is the first detail to go.
    { variants: ['. Telnyx answers 404'], priority: PRIORITY.foc },
    ...keyPart(tracked.supportKey, cleanSms, (text) => `. Ref ${text}`),
    { variants: ['. Check the Telnyx portal'], priority: PRIORITY.deadline },
  ];
}

function smsParts(event: PortoutEvent, now: Date, besideAccount: boolean): TextPart[] {
  switch (event.type) {
    case 'new':
      return smsNew(event, now);
    case 'status-changed':
      return smsStatusChanged(event, now);
    case 'foc-date-changed':
      return smsFocDateChanged(event, now);
    case 'new-comment':
      return smsNewComment(event, now, besideAccount);
    case 'foc-approaching':
      return smsFocApproaching(event, now);
    case 'possible-fraud':
      return smsPossibleFraud(event, now);
    case 'vanished':
      return smsVanished(event);
  }
}

const fitSms = (parts: readonly TextPart[], displayName: string) =>
  fitParts(parts, (text) => fitsOneSegment(text, displayName));

export function renderSms(event: PortoutEvent, ctx: RenderContext, displayName: string): string {
  return fitSms([...smsAccountPart(ctx), ...smsParts(event, ctx.now, ctx.account !== undefined)], displayName);
}

// ---- Several events in one SMS ------------------------------------------------------------------------------

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

export function renderGroupSms(
  kind: AlertGroupKind,
  items: readonly GroupedEvent[],
  ctx: RenderContext,
  displayName: string,
): string {
  const events = items.map((item) => item.event);
  // Short headlines: even a count in the thousands must fit beside a display name in a UCS-2 segment.
  return fitSms(
    [
      ...smsAccountPart(ctx),
      headlinePart(kind === 'watch-started' ? `Watching ${items.length} port-outs` : `${items.length} port-out changes`),
      ...tallyPart(events),
      ...smsUrgentPart(events, ctx.now),
      { variants: ['. Details by email'], priority: PRIORITY.action },
    ],
    displayName,
  );
}

// ---- The test alert -----------------------------------------------------------------------------------------

export function renderTestSms(ctx: RenderContext, displayName: string): string {
  return fitSms(
    [
      ...smsAccountPart(ctx),
      headlinePart('portout-watch TEST alert'),
      { variants: [': SMS alerts reach this phone'], priority: PRIORITY.numbers },
      { variants: ['. No port-out happened, nothing to do', '. No port-out happened'], priority: PRIORITY.key },
    ],
    displayName,
  );
}
