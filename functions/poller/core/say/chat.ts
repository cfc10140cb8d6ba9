import type { PortoutComment, PortoutEvent, TrackedPortout } from '../model.ts';
import type { Portout, PortoutStatus } from '../portout.ts';
import type { AlertGroupKind, GroupedEvent, RenderContext } from './context.ts';
import { countryCodesOf } from './country-codes.ts';
import { autoAuthorizationWindow, eventNumbers, focMatters, rejectionRefused, tally, upper } from './facts.ts';
import { fitParts, type TextPart } from './fit-parts.ts';
import { ACCOUNT_LABEL_CHARS, accountLabel, accountPart, shorten } from './short-text.ts';
import { formatUtcLong, leftOrAgo, parseTimestamp, timeLeft } from './time-left.ts';
import { singleLine, toAsciiLine } from './transliterate.ts';
import { unreadableRaw } from './unreadable.ts';

// Slack and Microsoft Teams, through AWS Chatbot (Amazon Q Developer in chat applications). Chatbot shows an SNS
// message only in its custom notification schema; plain text is dropped ("Event Received is not supported").

/**
 * The limits, tightest first:
 * - Slack: a header block's text takes at most 150 characters and a section block's at most 3,000
 *   (docs.slack.dev/reference/block-kit/blocks/header-block, .../section-block). How Chatbot lays a custom
 *   notification out in Slack is not documented, so title and description each fit the block they could land in.
 * - Chatbot's custom notification schema: a title of at most 250 characters, a description of at most 8,000
 *   (docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html, its OpenAPI schema).
 * - Microsoft Teams: a message of about 28 KB (learn.microsoft.com/microsoftteams/limits-specifications-teams).
 * Next steps and keywords have no documented limit; these are our own small ones, so a message stays short.
 */
export const CHAT_LIMITS = {
  titleChars: 150,
  descriptionChars: 3_000,
  nextSteps: 3,
  nextStepChars: 300,
  keywords: 6,
  keywordChars: 30,
} as const;

/** Chatbot's custom notification: `version` and `source` are what it requires to show the message at all. */
export type ChatNotification = {
  version: '1.0';
  source: 'custom';
  id: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: {
    /** Every message about one port-out lands in one thread, where the channel allows threads. */
    threadId: string;
    summary: string;
    eventType: string;
    additionalContext: { alertId: string };
  };
};

/** Plain text for the title (Slack shows it as plain text): no markdown or mention syntax survives. */
const titleText = (text: string) => toAsciiLine(text).replace(/[<>*_~`|]/g, ' ').replace(/ {2,}/g, ' ').trim();

/**
 * Telnyx's free text in the description, as an inline code span: chat markdown and mentions (a carrier named
 * "<!channel>") are not interpreted inside one. Backticks can't be escaped in a span, so they become quotes.
 */
function code(text: string, max = 200): string {
  const clean = shorten(singleLine(text).replace(/`/g, "'"), max);
  return clean ? `\`${clean}\`` : '_(empty)_';
}

const bold = (label: string) => `*${label}:*`;

/** Which account, right under the intro; the name too when the label is not it (managed accounts). */
function accountLine(ctx: RenderContext): TextPart[] {
  const { account } = ctx;
  if (!account) return [];
  const label = accountLabel(account, singleLine, ACCOUNT_LABEL_CHARS.text);
  const name = label === account.name ? '' : ` (${code(account.name)})`;
  return [{ variants: [`\n${bold('Telnyx account')} ${code(label)}${name}`], priority: 0 }];
}

/** "Acme EU: " before the title: placed after the headline (0), and before the numbers (also 1, listed later). */
const accountTitlePart = (ctx: RenderContext) => accountPart(ctx.account, titleText, ACCOUNT_LABEL_CHARS.title);

/** A null field: "unreadable: Telnyx sent `…`" when that is why (the raw value in a span like all Telnyx text), else `missing`. */
function chatMissing(portout: Portout, field: string, missing: string): string {
  const raw = unreadableRaw(portout, field);
  return raw === undefined ? missing : `unreadable: Telnyx sent ${code(raw, 60)}`;
}

/** A Telnyx timestamp in UTC, with how far it is from now unless `now` is null; one that is not a date, quoted. */
function chatTime(value: string | null, now: Date | null, missing: string): string {
  if (value === null) return missing;
  const moment = parseTimestamp(value);
  if (!moment) return code(value);
  return now ? `${formatUtcLong(moment)} (${leftOrAgo(moment, now)})` : formatUtcLong(moment);
}

function autoAuthorizationLine(portout: Portout, now: Date): TextPart[] {
  if (portout.status !== 'pending') return [];
  const window = autoAuthorizationWindow(portout);
  const label = `\n${bold('Auto-authorization')} `;
  if (!window) {
    const filed = unreadableRaw(portout, 'created_at');
    const why = filed === undefined ? 'Telnyx gave no filing time' : `filing time unreadable: Telnyx sent ${code(filed, 60)}`;
    return [{ variants: [`${label}24 to 48 hours after filing (${why})`], priority: 2 }];
  }
  const range = `${formatUtcLong(window.earliest)} to ${formatUtcLong(window.latest)}`;
  const state =
    now < window.earliest
      ? `${timeLeft(window.earliest, now)} to reject`
      : now < window.latest
        ? 'may happen at any moment'
        : timeLeft(window.latest, now);
  return [{ variants: [`${label}${range} (${state})`], priority: 2 }];
}

/** All numbers if they fit, else as many as fit and how many more. */
function numbersLine(numbers: readonly string[], label = 'Numbers', unreadable?: string): TextPart {
  // Numbers Telnyx sent in a shape we can't read are not "none": on a fraud alert that would mislead.
  const unread = unreadable === undefined ? '' : ` (some unreadable: Telnyx sent ${code(unreadable, 60)})`;
  if (numbers.length === 0) {
    const none = unreadable === undefined ? 'none listed by Telnyx' : `unreadable: Telnyx sent ${code(unreadable, 60)}`;
    return { variants: [`\n${bold(label)} ${none}`], priority: 1, required: true };
  }
  const head = `\n${bold(`${label} (${numbers.length})`)} `;
  const variants = [numbers.length, 20, 5, 1]
    .filter((count, index, all) => count <= numbers.length && all.indexOf(count) === index)
    .map((count) => {
      const more = numbers.length - count;
      return `${head}${numbers.slice(0, count).map((number) => code(number, 40)).join(', ')}${more > 0 ? ` and ${more} more` : ''}${unread}`;
    });
  return { variants: [...variants, `${head}see the portal${unread}`], priority: 1, required: true };
}

function commentLines(comments: readonly PortoutComment[]): TextPart[] {
  return comments.map((comment) => {
    const who = comment.byTelnyxStaff ? 'Telnyx porting staff' : 'someone on your account';
    const label = `\n${bold(`Comment from ${who}`)} `;
    return { variants: [500, 150].map((max) => `${label}${code(comment.body, max)}`), priority: 4 };
  });
}

interface DescriptionSpec {
  intro: string;
  previousStatus?: PortoutStatus | null;
  previousFocDate?: string | null;
  comments?: readonly PortoutComment[];
}

/** What the email's first screen carries: status, numbers, carrier, deadlines, key, and any comment. */
function portoutDescription(portout: Portout, ctx: RenderContext, spec: DescriptionSpec): TextPart[] {
  const { now } = ctx;
  const previous = spec.previousStatus && spec.previousStatus !== portout.status ? ` (was ${spec.previousStatus})` : '';
  const line = (text: string, priority: number): TextPart => ({ variants: [`\n${text}`], priority });
  return [
    { variants: [spec.intro], priority: 0, required: true },
    ...accountLine(ctx),
    line(`${bold('Status')} ${portout.status}${previous}`, 0),
    numbersLine(portout.phoneNumbers, 'Numbers', unreadableRaw(portout, 'phone_numbers')),
    line(`${bold('Gaining carrier')} ${portout.carrierName === null ? chatMissing(portout, 'carrier_name', 'not given') : code(portout.carrierName)}`, 2),
    ...autoAuthorizationLine(portout, now),
    // Once a request is rejected, canceled or ported, its FOC date is no deadline: left out rather than counted down.
    ...(focMatters(portout.status) || spec.previousFocDate !== undefined
      ? [line(`${bold('FOC date')} ${chatTime(portout.focDate, now, chatMissing(portout, 'foc_date', 'not set yet'))}`, 2)]
      : []),
    ...(spec.previousFocDate === undefined
      ? []
      : [line(`${bold('Previous FOC date')} ${chatTime(spec.previousFocDate, null, 'not set')}`, 3)]),
    line(`${bold('Support key')} ${portout.supportKey === null ? chatMissing(portout, 'support_key', 'not given') : code(portout.supportKey)}`, 1),
    ...(portout.rejectionCode === null ? [] : [line(`${bold('Rejection code')} ${portout.rejectionCode}`, 3)]),
    ...(portout.reason === null ? [] : [line(`${bold('Reason')} ${code(portout.reason)}`, 3)]),
    ...commentLines(spec.comments ?? []),
    line(`${bold('Port-out id')} ${code(portout.id)}`, 3),
  ];
}

function rejectSteps(portout: Portout, portalUrl: string): string[] {
  return [
    `If you did not ask for this, reject it in the Telnyx portal: ${portalUrl}`,
    `Or by API: \`PATCH https://api.telnyx.com/v2/portouts/${encodeURIComponent(portout.id)}/rejected-pending\` with the real reason`,
  ];
}

function nextStepsFor(portout: Portout, portalUrl: string): string[] {
  const key = portout.supportKey === null ? '' : `, quoting ${code(portout.supportKey, 60)}`;
  switch (portout.status) {
    case 'pending':
      return rejectSteps(portout, portalUrl);
    case 'rejected-pending':
      return [`Nothing for now: if Telnyx finds the reason invalid, it comes back as pending. ${portalUrl}`];
    case 'authorized':
    case 'ported':
      return [`If nobody on your side asked for this, contact Telnyx support now${key}`, portalUrl];
    case 'rejected':
    case 'canceled':
      return [`Nothing: the numbers stay with Telnyx. ${portalUrl}`];
    default:
      // A status Telnyx added since this was written: still watched, and maybe still open to a rejection.
      return [
        `portout-watch does not know the status ${portout.status}: check the request, or ask Telnyx support${key}`,
        ...rejectSteps(portout, portalUrl),
      ];
  }
}

interface ChatContent {
  /** Without the account: a group lists its events by these titles, under one account's name. */
  title: TextPart[];
  description: TextPart[];
  nextSteps: string[];
  status: PortoutStatus;
  numbers: readonly string[];
  threadId: string;
}

const titleWithNumbers = (headline: string, numbers: readonly string[], carrier: string | null): TextPart[] => [
  { variants: [titleText(headline)], priority: 0, required: true },
  ...(numbers[0] === undefined
    ? []
    : [{ variants: [`: ${titleText(numbers[0])}${numbers.length > 1 ? ` +${numbers.length - 1} more` : ''}`], priority: 1 }]),
  ...(carrier === null || !titleText(carrier) ? [] : [{ variants: [` to ${titleText(carrier)}`], priority: 2 }]),
];

function portoutContent(
  portout: Portout,
  ctx: RenderContext,
  headline: string,
  spec: DescriptionSpec,
  nextSteps = nextStepsFor(portout, ctx.portalUrl),
): ChatContent {
  return {
    title: titleWithNumbers(headline, portout.phoneNumbers, portout.carrierName),
    description: portoutDescription(portout, ctx, spec),
    nextSteps,
    status: portout.status,
    numbers: portout.phoneNumbers,
    threadId: portout.id,
  };
}

function vanishedContent(tracked: TrackedPortout, ctx: RenderContext): ChatContent {
  const line = (text: string, priority: number): TextPart => ({ variants: [`\n${text}`], priority });
  return {
    title: titleWithNumbers(`Port-out no longer found (was ${tracked.status})`, tracked.phoneNumbers, null),
    description: [
      {
        variants: ['Telnyx no longer returns this port-out request (404), so portout-watch can no longer follow it. Last known:'],
        priority: 0,
        required: true,
      },
      ...accountLine(ctx),
      line(`${bold('Last status seen')} ${tracked.status}`, 0),
      numbersLine(tracked.phoneNumbers),
      line(`${bold('FOC date')} ${chatTime(tracked.focDate, ctx.now, 'not set when last seen')}`, 2),
      line(`${bold('Support key')} ${tracked.supportKey === null ? 'not given' : code(tracked.supportKey)}`, 1),
      line(`${bold('Port-out id')} ${code(tracked.id)}`, 3),
    ],
    nextSteps: [
      `Check in the Telnyx portal that the numbers are still on your account: ${ctx.portalUrl}`,
      'Ask Telnyx support whether the request was withdrawn or completed, and check the API key still sees port-outs',
    ],
    status: tracked.status,
    numbers: tracked.phoneNumbers,
    threadId: tracked.id,
  };
}

function chatContent(event: PortoutEvent, ctx: RenderContext): ChatContent {
  switch (event.type) {
    case 'new': {
      const { portout, comments } = event;
      const intro =
        portout.status === 'pending'
          ? 'Someone has asked to move these numbers away from your Telnyx account. If you did not ask for this, reject it now.'
          : `A port-out request already ${portout.status}, seen for the first time.`;
      return portoutContent(portout, ctx, `New port-out ${upper(portout.status)}`, { intro, comments });
    }
    case 'status-changed': {
      const { portout, previousStatus, comments } = event;
      const refused = rejectionRefused(previousStatus, portout.status);
      return portoutContent(
        portout,
        ctx,
        refused ? 'Port-out rejection refused, PENDING again' : `Port-out ${upper(portout.status)} (was ${previousStatus})`,
        {
          intro: refused
            ? 'Telnyx did not accept the rejection: the request is pending again and will be authorized automatically unless you reject it with a valid reason.'
            : `This port-out request is now ${portout.status}.`,
          previousStatus,
          comments,
        },
      );
    }
    case 'foc-date-changed': {
      const { portout, tracked, previousFocDate, comments } = event;
      return portoutContent(portout, ctx, `Port-out FOC date changed (${portout.status})`, {
        intro: 'The FOC date of this port-out request changed. The numbers can leave from the FOC date on.',
        previousStatus: tracked.status,
        previousFocDate,
        comments,
      });
    }
    case 'new-comment': {
      const { portout, tracked, comments } = event;
      const byStaff = comments.some((comment) => comment.byTelnyxStaff);
      return portoutContent(portout, ctx, `Port-out ${byStaff ? 'comment from Telnyx' : 'comment'} (${portout.status})`, {
        intro: byStaff
          ? 'Telnyx porting staff commented on this port-out request; staff comments often say why a rejection was not accepted.'
          : 'There is a new comment on this port-out request.',
        previousStatus: tracked.status,
        comments,
      });
    }
    case 'foc-approaching': {
      const { portout, tracked, reminderHours } = event;
      return portoutContent(portout, ctx, `Port-out still ${portout.status}, FOC within ${reminderHours}h`, {
        intro: `Still ${portout.status}, and the FOC date is less than ${reminderHours} hours away. If these numbers must not leave, act now.`,
        previousStatus: tracked.status,
      });
    }
    case 'possible-fraud': {
      const { portout } = event;
      const key = portout.supportKey === null ? '' : `, quoting ${code(portout.supportKey, 60)}`;
      return portoutContent(
        portout,
        ctx,
        `Possible fraud: port-out ${upper(portout.status)} at once`,
        {
          intro:
            `A port-out request was ${portout.status} without ever waiting for your review: with port-out PIN protection ` +
            'on, that is a missing or wrong PIN. Someone may be trying to take these numbers.',
        },
        [
          `Ask Telnyx support who filed it${key}`,
          'Keep the port-out PIN secret, and change it if it may have leaked',
          `Check that the numbers are still on your account: ${ctx.portalUrl}`,
        ],
      );
    }
    case 'vanished':
      return vanishedContent(event.tracked, ctx);
  }
}

const fitTitle = (parts: readonly TextPart[]) => fitParts(parts, (text) => text.length <= CHAT_LIMITS.titleChars);
const fitDescription = (parts: readonly TextPart[]) =>
  fitParts(parts, (text) => text.length <= CHAT_LIMITS.descriptionChars);

/** Each step and keyword whole if short enough, cut otherwise; never more of them than the limits allow. */
const fitList = (items: readonly string[], count: number, chars: number) =>
  items.slice(0, count).map((item) => shorten(item, chars));

function notification(
  ctx: RenderContext,
  fields: { title: string; description: string; nextSteps: string[]; keywords: string[]; threadId: string; eventType: string },
): ChatNotification {
  return {
    version: '1.0',
    source: 'custom',
    id: ctx.alertId,
    content: {
      textType: 'client-markdown',
      title: fields.title,
      description: fields.description,
      nextSteps: fitList(fields.nextSteps, CHAT_LIMITS.nextSteps, CHAT_LIMITS.nextStepChars),
      keywords: fitList([...new Set(fields.keywords)], CHAT_LIMITS.keywords, CHAT_LIMITS.keywordChars),
    },
    metadata: {
      threadId: fields.threadId,
      summary: fields.title,
      eventType: fields.eventType,
      additionalContext: { alertId: ctx.alertId },
    },
  };
}

export function renderChat(event: PortoutEvent, ctx: RenderContext): ChatNotification {
  const content = chatContent(event, ctx);
  return notification(ctx, {
    title: fitTitle([...accountTitlePart(ctx), ...content.title]),
    description: fitDescription(content.description),
    nextSteps: content.nextSteps,
    keywords: ['portout-watch', event.type, content.status, ...countryCodesOf(content.numbers)],
    threadId: content.threadId,
    eventType: event.type,
  });
}

/** How many of a group's events the description lists, one line each, before "and N more". */
const GROUP_LINES = 25;

export function renderGroupChat(kind: AlertGroupKind, items: readonly GroupedEvent[], ctx: RenderContext): ChatNotification {
  const events = items.map((item) => item.event);
  const count = `${items.length} port-out ${items.length === 1 ? 'request' : 'requests'}`;
  const summary = tally(events);
  const title = kind === 'watch-started' ? `portout-watch now watches ${count}` : `${count} changed`;
  const lines = items.map((item) => ({
    variants: [`\n- ${fitTitle(chatContent(item.event, { ...ctx, alertId: item.alertId }).title)}`],
    priority: 2,
  }));
  const shown = Math.min(lines.length, GROUP_LINES);
  const description: TextPart[] = [
    {
      variants: [
        kind === 'watch-started'
          ? `Now watching ${count}. From now on, each change comes as its own message.`
          : `${count} changed since the last check, so they come together in this one message.`,
      ],
      priority: 0,
      required: true,
    },
    ...accountLine(ctx),
    { variants: [summary ? `\n${bold('Overview')} ${summary}` : '\nNo port-out request needs your attention right now.'], priority: 1 },
    ...lines.slice(0, shown),
    ...(lines.length > shown ? [{ variants: [`\nand ${lines.length - shown} more: see the Telnyx portal`], priority: 1 }] : []),
  ];
  return notification(ctx, {
    title: fitTitle([
      ...accountTitlePart(ctx),
      { variants: [title], priority: 0, required: true },
      ...(summary ? [{ variants: [`: ${summary}`], priority: 1 }] : []),
    ]),
    description: fitDescription(description),
    nextSteps: [`Review them in the Telnyx portal: ${ctx.portalUrl}`],
    keywords: ['portout-watch', kind, ...events.map((event) => event.type), ...countryCodesOf(events.flatMap(eventNumbers))],
    threadId: ctx.alertId,
    eventType: kind,
  });
}

export function renderTestChat(ctx: RenderContext): ChatNotification {
  return notification(ctx, {
    title: fitTitle([
      ...accountTitlePart(ctx),
      { variants: ['portout-watch TEST alert: no port-out happened'], priority: 0, required: true },
    ]),
    description: fitDescription([
      {
        variants: [
          `A test alert, sent on request at ${formatUtcLong(ctx.now)}. If you can read it here, alerts reach this channel.\n` +
            'No port-out request happened, and there is nothing to do.',
        ],
        priority: 0,
        required: true,
      },
      ...accountLine(ctx),
    ]),
    nextSteps: ['Nothing: this was a test. Real alerts look like this, with the numbers and what to do.'],
    keywords: ['portout-watch', 'test'],
    // One thread for every test, away from the port-outs' threads.
    threadId: 'portout-watch-test',
    eventType: 'test',
  });
}
