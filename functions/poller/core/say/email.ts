import type { PortoutComment, PortoutEvent } from '../model.ts';
import { isKnownStatus, type KnownPortoutStatus, type Portout, type PortoutStatus } from '../portout.ts';
import type { AlertGroupKind, EventOf, GroupedEvent, RenderContext } from './context.ts';
import { AUTO_AUTHORIZE_AFTER_HOURS, autoAuthorizationWindow, rejectionRefused, tally, upper } from './facts.ts';
import { fitParts, type TextPart } from './fit-parts.ts';
import {
  ACCOUNT_LABEL_CHARS,
  accountLabel,
  accountPart,
  carrierPart,
  headlinePart,
  keyPart,
  numbersPart,
  shorten,
  tallyPart,
} from './short-text.ts';
import { formatUtcLong, leftOrAgo, parseTimestamp, timeLeft } from './time-left.ts';
import { singleLine, toAsciiLine } from './transliterate.ts';
import { missingText, unreadableRaw, unreadableSection } from './unreadable.ts';

// The email: a one-line subject (SNS's Subject) and a plain-text body with everything that helps decide.

/** SNS requires a subject "less than 100 characters long". */
export const SUBJECT_MAX_CHARS = 99;

const STATUS_MEANING: Record<KnownPortoutStatus, string> = {
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
const STATUS_NEWS: Record<KnownPortoutStatus, string> = {
  pending: 'This port-out request is pending again: it needs your review.',
  authorized:
    'This port-out request was authorized: the numbers will leave Telnyx from the FOC date. ' +
    'If nobody on your side approved it, act now.',
  'rejected-pending': 'This port-out request was rejected, and Telnyx is checking the reason.',
  rejected: 'This port-out request was rejected. It will not go ahead.',
  canceled: 'This port-out request was canceled. It will not go ahead.',
  ported: 'These numbers have been ported away from Telnyx.',
};

// A status Telnyx added since this was written: said under its raw (sanitized) name, and still watched.
const statusMeaning = (status: PortoutStatus) =>
  isKnownStatus(status)
    ? STATUS_MEANING[status]
    : 'a status portout-watch does not know yet (Telnyx may have added it). Check the request in the Telnyx portal; ' +
      'portout-watch keeps watching it.';
const statusNews = (status: PortoutStatus) =>
  isKnownStatus(status)
    ? STATUS_NEWS[status]
    : `This port-out request is now ${status}, a status portout-watch does not know yet. ` +
      'Check what it means in the Telnyx portal; portout-watch keeps watching it.';

function portoutSubject(headline: string, portout: Portout): TextPart[] {
  return [
    headlinePart(headline),
    numbersPart(portout.phoneNumbers, toAsciiLine, unreadableRaw(portout, 'phone_numbers') !== undefined),
    ...carrierPart(portout.carrierName, toAsciiLine),
    ...keyPart(portout.supportKey, toAsciiLine, (key) => ` (${key})`),
  ];
}

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
    const filed = unreadableRaw(portout, 'created_at');
    const why =
      filed === undefined
        ? 'Telnyx did not give the filing time'
        : `the filing time can't be read: Telnyx sent ${filed}; the time left is unknown`;
    return `${earliest} to ${latest} hours after the request was filed (${why})`;
  }
  const range = `between ${formatUtcLong(window.earliest)} and ${formatUtcLong(window.latest)}`;
  if (now < window.earliest) return `${range} (${timeLeft(window.earliest, now)} to reject before it may happen)`;
  if (now < window.latest) return `${range} (it may happen at any moment now)`;
  return `${range} (${timeLeft(window.latest, now)})`;
}

function statusSection(status: PortoutStatus, previous: PortoutStatus | null, label: string): string {
  const lines = [`${label}: ${status}${previous && previous !== status ? ` (was ${previous})` : ''}`];
  lines.push(`  ${status}: ${statusMeaning(status)}`);
  if (previous && previous !== status) lines.push(`  ${previous}: ${statusMeaning(previous)}`);
  return lines.join('\n');
}

/** `unreadable`: what Telnyx sent in `phone_numbers`, when some or all of it can't be read. */
function numbersSection(numbers: readonly string[], unreadable?: string): string {
  if (numbers.length === 0) {
    return unreadable === undefined ? 'Phone numbers: none listed by Telnyx' : `Phone numbers: unreadable: Telnyx sent ${unreadable}`;
  }
  const odd = unreadable === undefined ? [] : [`  and what can't be read: Telnyx sent ${unreadable}`];
  return [`Phone numbers (${numbers.length})`, ...numbers.map((number) => `  ${singleLine(number)}`), ...odd].join('\n');
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
  const missing = (field: string, text: string) => missingText(portout, field, text);
  const unreadableFoc = unreadableRaw(portout, 'foc_date');
  const timing: Array<[string, string]> = [];
  if (portout.status === 'pending') timing.push(['Auto-authorization', emailAutoAuthorization(portout, now)]);
  timing.push([
    'FOC date',
    unreadableFoc === undefined
      ? emailTime(portout.focDate, now, 'not set yet')
      : `unreadable: Telnyx sent ${unreadableFoc}; the time left is unknown`,
  ]);
  if (previousFocDate !== undefined) timing.push(['Previous FOC date', emailTime(previousFocDate, null, 'not set')]);
  timing.push(['Requested FOC date', emailTime(portout.requestedFocDate, null, missing('requested_foc_date', 'not given'))]);
  const details: Array<[string, string]> = [
    ['Gaining carrier', shown(portout.carrierName, missing('carrier_name', 'not given'))],
    ['SPID', shown(portout.spid, missing('spid', 'not given'))],
    ['PON', shown(portout.pon, missing('pon', 'not given'))],
    ['End user', shown(portout.endUserName, missing('end_user_name', 'not given'))],
    ['Authorized name', shown(portout.authorizedName, missing('authorized_name', 'not given'))],
    ['Service address', serviceAddress(portout)],
    ['Support key', portout.supportKey === null ? missing('support_key', 'not given') : supportKeyLine(portout.supportKey)],
    ['Port-out id', portout.id],
  ];
  if (portout.rejectionCode !== null) details.push(['Rejection code', String(portout.rejectionCode)]);
  else if (unreadableRaw(portout, 'rejection_code') !== undefined) details.push(['Rejection code', missing('rejection_code', '')]);
  if (portout.reason !== null) details.push(['Reason', shown(portout.reason)]);
  else if (unreadableRaw(portout, 'reason') !== undefined) details.push(['Reason', missing('reason', '')]);
  details.push(
    ['Filed', emailPastTime(portout.createdAt, now, missing('created_at', 'not given'))],
    ['Last updated', emailPastTime(portout.updatedAt, now, missing('updated_at', 'not given'))],
  );
  return [
    `Dates\n${rows(timing)}`,
    numbersSection(portout.phoneNumbers, unreadableRaw(portout, 'phone_numbers')),
    `Request\n${rows(details)}`,
    ...unreadableSection(portout),
  ];
}

/** Comment bodies keep their line breaks; each line is cleaned, and the whole is cut like other free text. */
function commentsSection(comments: readonly PortoutComment[]): string[] {
  if (comments.length === 0) return [];
  const lines = comments.flatMap((comment) => {
    const author = unreadableRaw(comment, 'payload.user_id');
    const who = comment.byTelnyxStaff
      ? 'Telnyx porting staff'
      : author === undefined
        ? 'someone on your account'
        : `an author that can't be told (Telnyx sent user_id ${author})`;
    const body = shorten(comment.body, 2_000)
      .split(/\r\n|[\n\r\u2028\u2029]/)
      .map(singleLine)
      .filter(Boolean)
      .map((line) => `    ${line}`);
    const unreadableBody = unreadableRaw(comment, 'payload.comment') ?? unreadableRaw(comment, 'payload');
    if (unreadableBody !== undefined) body.push(`    (the text can't be read: Telnyx sent ${unreadableBody})`);
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
    default:
      return [
        'What to do',
        `  portout-watch does not know the status ${portout.status}. Check the request in the ${portal}`,
        `  If nobody on your side asked for this port-out, contact Telnyx support now${key}, or try to reject it:`,
        rejectCommand(portout.id),
      ].join('\n');
  }
}

/** The body's first line when several accounts are watched; the name too when the label is not it (managed accounts). */
function accountSection(ctx: RenderContext): string[] {
  const { account } = ctx;
  if (!account) return [];
  const label = accountLabel(account, singleLine, ACCOUNT_LABEL_CHARS.text);
  return [`Telnyx account: ${label}${label === account.name ? '' : ` (${account.name})`}`];
}

function footer(alertId: string, now: Date): string {
  return `--\nportout-watch alert ${alertId}, detected ${formatUtcLong(now)}.`;
}

function numbersPhrase(portout: Portout): string {
  const numbers = portout.phoneNumbers;
  const [first] = numbers;
  if (first === undefined && unreadableRaw(portout, 'phone_numbers') !== undefined) return "phone numbers (the list can't be read)";
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

// ---- One email per event type -------------------------------------------------------------------------------

interface EmailContent {
  subject: TextPart[];
  sections: string[];
}

function emailNew(event: EventOf<'new'>, ctx: RenderContext): EmailContent {
  const { portout, comments } = event;
  const numbers = numbersPhrase(portout);
  const intro =
    portout.status === 'pending'
      ? `Someone has asked to move ${numbers} away from your Telnyx account to ${carrierPhrase(portout)}.\n` +
        'If you did not ask for this, reject it now: this is how phone numbers are hijacked.'
      : `A port-out request for ${numbers} to ${carrierPhrase(portout)} is already ${portout.status}; ` +
        'portout-watch sees it for the first time.';
  return {
    subject: portoutSubject(`New port-out ${upper(portout.status)}`, portout),
    sections: portoutEmail(intro, portout, ctx, { comments }),
  };
}

function emailStatusChanged(event: EventOf<'status-changed'>, ctx: RenderContext): EmailContent {
  const { portout, previousStatus, comments } = event;
  const refused = rejectionRefused(previousStatus, portout.status);
  const intro = refused
    ? 'Telnyx did not accept the rejection of this port-out request: it is pending again, ' +
      'and will be authorized automatically unless you reject it with a valid reason.'
    : statusNews(portout.status);
  return {
    subject: portoutSubject(
      refused
        ? 'Port-out rejection refused, PENDING again'
        : `Port-out ${upper(portout.status)} (was ${previousStatus})`,
      portout,
    ),
    sections: portoutEmail(intro, portout, ctx, { previousStatus, comments }),
  };
}

function emailFocDateChanged(event: EventOf<'foc-date-changed'>, ctx: RenderContext): EmailContent {
  const { portout, tracked, previousFocDate, comments } = event;
  const intro =
    `The FOC date of this port-out request changed from ${emailTime(previousFocDate, null, 'not set')} ` +
    `to ${emailTime(portout.focDate, ctx.now, 'not set')}. The numbers can leave from the FOC date on.`;
  return {
    subject: portoutSubject(`Port-out FOC date changed (${portout.status})`, portout),
    sections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status, previousFocDate, comments }),
  };
}

function emailNewComment(event: EventOf<'new-comment'>, ctx: RenderContext): EmailContent {
  const { portout, tracked, comments } = event;
  const byStaff = comments.some((comment) => comment.byTelnyxStaff);
  const intro = byStaff
    ? 'Telnyx porting staff commented on this port-out request. ' +
      'Staff comments often say why a rejection was not accepted.'
    : 'There is a new comment on this port-out request.';
  return {
    subject: portoutSubject(`Port-out ${byStaff ? 'comment from Telnyx' : 'comment'} (${portout.status})`, portout),
    sections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status, comments }),
  };
}

function emailFocApproaching(event: EventOf<'foc-approaching'>, ctx: RenderContext): EmailContent {
  const { portout, tracked, reminderHours } = event;
  const intro =
    `This port-out request is still ${portout.status}, and its FOC date is less than ${reminderHours} hours away: ` +
    `${emailTime(portout.focDate, ctx.now, 'not set')}. If these numbers must not leave, act now.`;
  return {
    subject: portoutSubject(`Port-out still ${portout.status}, FOC within ${reminderHours}h`, portout),
    sections: portoutEmail(intro, portout, ctx, { previousStatus: tracked.status }),
  };
}

function emailPossibleFraud(event: EventOf<'possible-fraud'>, ctx: RenderContext): EmailContent {
  const { portout } = event;
  const key = portout.supportKey === null ? '' : `, quoting ${emailText(portout.supportKey)}`;
  const intro =
    `A port-out request for ${numbersPhrase(portout)} to ${carrierPhrase(portout)} was ` +
    `${portout.status} without ever waiting for your review. With port-out PIN protection on, that is what ` +
    'happens when the PIN is missing or wrong: someone may be trying to take these numbers.';
  return {
    subject: portoutSubject(`Possible fraud: port-out ${upper(portout.status)} at once`, portout),
    sections: [
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
  };
}

function emailVanished(event: EventOf<'vanished'>, ctx: RenderContext): EmailContent {
  const { tracked } = event;
  const key = tracked.supportKey === null ? '' : `, quoting ${emailText(tracked.supportKey)}`;
  return {
    subject: [
      headlinePart(`Port-out no longer found (was ${tracked.status})`),
      numbersPart(tracked.phoneNumbers, toAsciiLine),
      ...keyPart(tracked.supportKey, toAsciiLine, (text) => ` (${text})`),
    ],
    sections: [
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
  };
}

function emailContent(event: PortoutEvent, ctx: RenderContext): EmailContent {
  switch (event.type) {
    case 'new':
      return emailNew(event, ctx);
    case 'status-changed':
      return emailStatusChanged(event, ctx);
    case 'foc-date-changed':
      return emailFocDateChanged(event, ctx);
    case 'new-comment':
      return emailNewComment(event, ctx);
    case 'foc-approaching':
      return emailFocApproaching(event, ctx);
    case 'possible-fraud':
      return emailPossibleFraud(event, ctx);
    case 'vanished':
      return emailVanished(event, ctx);
  }
}

const fitSubject = (parts: readonly TextPart[]) => fitParts(parts, (text) => text.length <= SUBJECT_MAX_CHARS);
/** A message's own subject: its parts behind the account's label, when there is one. */
const subjectFor = (ctx: RenderContext, parts: readonly TextPart[]) =>
  fitSubject([...accountPart(ctx.account, toAsciiLine, ACCOUNT_LABEL_CHARS.title), ...parts]);

export interface RenderedEmail {
  subject: string;
  body: string;
}

export function renderEmail(event: PortoutEvent, ctx: RenderContext): RenderedEmail {
  const content = emailContent(event, ctx);
  return {
    subject: subjectFor(ctx, content.subject),
    body: `${[...accountSection(ctx), ...content.sections, footer(ctx.alertId, ctx.now)].join('\n\n')}\n`,
  };
}

// ---- Several events in one email ----------------------------------------------------------------------------

/** Past this, a group's email lists the rest by subject only, so the message stays under SNS's 256 KiB. */
const GROUP_EMAIL_DETAIL_CHARS = 100_000;
/** And past this many, not even by subject. */
const GROUP_EMAIL_MAX_LINES = 500;

export function renderGroupEmail(
  kind: AlertGroupKind,
  items: readonly GroupedEvent[],
  ctx: RenderContext,
): RenderedEmail {
  const contents = items.map((item) => emailContent(item.event, { ...ctx, alertId: item.alertId }));
  const events = items.map((item) => item.event);
  const count = `${items.length} port-out ${items.length === 1 ? 'request' : 'requests'}`;
  const summary = tally(events);

  const overview: string[] = [];
  const details: string[] = [];
  let detailChars = 0;
  contents.forEach((content, index) => {
    if (index >= GROUP_EMAIL_MAX_LINES) return;
    overview.push(`  - ${fitSubject(content.subject)}`);
    const text = `${'='.repeat(72)}\n${fitSubject(content.subject)}\n\n${content.sections.join('\n\n')}`;
    if (detailChars + text.length > GROUP_EMAIL_DETAIL_CHARS) return;
    detailChars += text.length;
    details.push(text);
  });
  const omitted = contents.length - details.length;
  const body = [
    ...accountSection(ctx),
    kind === 'watch-started'
      ? `portout-watch now watches ${count}. From now on, each change comes as its own alert.`
      : `${count} changed since the last check, so they come together in this one message.`,
    summary ? `Overview (${summary})\n${overview.join('\n')}` : 'No port-out request needs your attention right now.',
    ...details,
    ...(omitted > 0 ? [`${omitted} more not shown in full here: see the Telnyx portal: ${ctx.portalUrl}`] : []),
    footer(ctx.alertId, ctx.now),
  ];
  return {
    subject: subjectFor(ctx, [
      headlinePart(kind === 'watch-started' ? `portout-watch now watches ${count}` : `${count} changed`),
      ...tallyPart(events),
    ]),
    body: `${body.join('\n\n')}\n`,
  };
}

// ---- The test alert -----------------------------------------------------------------------------------------

export function renderTestEmail(ctx: RenderContext): RenderedEmail {
  return {
    subject: subjectFor(ctx, [headlinePart('portout-watch TEST alert: no port-out happened')]),
    body: `${[
      ...accountSection(ctx),
      `This is a test alert from portout-watch, sent on request at ${formatUtcLong(ctx.now)} (npm run test-alert).\n` +
        'No port-out request happened, and there is nothing to do.',
      'If you are reading this, alert emails reach you. Check that it did not land in spam, and that the SMS, ' +
        'Slack and Teams channels got their test alert too.',
      footer(ctx.alertId, ctx.now),
    ].join('\n\n')}\n`,
  };
}
