import type { AccountRef } from '../accounts.ts';
import type { PortoutEvent } from '../model.ts';
import { tally } from './facts.ts';
import type { TextPart } from './fit-parts.ts';

// The parts the two short texts, the SMS and the email subject, are built from, and fitted with fitParts.

/** Lower is kept longer. Parts show in the order each builder lists them, whatever their priority. */
export const PRIORITY = {
  headline: 0,
  account: 1,
  numbers: 2,
  key: 3,
  /** What only this event type has to say: the new FOC date, the comment. */
  news: 4,
  deadline: 5,
  foc: 6,
  carrier: 7,
  comment: 8,
  action: 9,
} as const;

/** Each short channel cleans free text its own way: GSM-7 for SMS, ASCII for the subject. */
export type Clean = (text: string) => string;

/** Cuts free text to at most `max` characters, at a word boundary when one is near, marking the cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 2);
  const words = cut.replace(/\s+\S*$/, '');
  return `${words.length >= max / 2 ? words : cut.trimEnd()}..`;
}

/**
 * The most characters of an account's label each channel shows. In the SMS the tag ("label: ") then costs at most
 * 14 of the 160 septets, taken from the least important parts; the subject and the chat title have more room.
 */
export const ACCOUNT_LABEL_CHARS = { sms: 12, title: 24, text: 100 } as const;

/**
 * The account's label, cleaned for one channel and cut to `max`. A managed account's label is its organization
 * name, free text from Telnyx like any other; when nothing of it survives cleaning (emoji, another script), the
 * account's name, which is plain ASCII, stands in.
 */
export function accountLabel(account: AccountRef, clean: Clean, max: number): string {
  return shorten(clean(account.label) || account.name, max);
}

/**
 * "Acme EU: " in front of the headline. Placed right after the headline, so the least important parts make room for
 * it. Within a GSM-7 budget the full label always fits; the shorter one, or none, only happens where a display name
 * outside GSM-7 has already spent most of a 70-unit segment (lib/config.ts forbids such names).
 */
export function accountPart(account: AccountRef | undefined, clean: Clean, max: number): TextPart[] {
  if (!account) return [];
  const variants = [max, max / 2].map((chars) => `${accountLabel(account, clean, chars)}: `);
  return [{ variants: [...new Set(variants)], priority: PRIORITY.account }];
}

export const headlinePart = (text: string): TextPart => ({ variants: [text], priority: PRIORITY.headline, required: true });

/**
 * ": +13035551212 +2 more", or ": 3 numbers" when the first number is too long to fit. `unreadable`: Telnyx sent
 * `phone_numbers` in a shape that can't be read, which with no readable number is not "no number listed".
 */
export function numbersPart(numbers: readonly string[], clean: Clean, unreadable = false): TextPart {
  const priority = PRIORITY.numbers;
  const first = numbers[0] === undefined ? '' : clean(numbers[0]);
  if (numbers.length === 0) return { variants: [unreadable ? ': numbers unreadable' : ': no number listed'], priority };
  const count = numbers.length === 1 ? ': 1 number' : `: ${numbers.length} numbers`;
  const more = numbers.length > 1 ? ` +${numbers.length - 1} more` : '';
  return { variants: first ? [`: ${first}${more}`, count] : [count], priority };
}

export function keyPart(supportKey: string | null, clean: Clean, render: (key: string) => string): TextPart[] {
  const key = supportKey === null ? '' : clean(supportKey);
  return key ? [{ variants: [render(key)], priority: PRIORITY.key }] : [];
}

/** Carrier names are free text, so a long one is shortened rather than costing the whole part. */
export function carrierPart(carrier: string | null, clean: Clean): TextPart[] {
  const name = carrier === null ? '' : clean(carrier);
  if (!name) return [];
  const short = shorten(name, 20);
  return [{ variants: short === name ? [` to ${name}`] : [` to ${name}`, ` to ${short}`], priority: PRIORITY.carrier }];
}

/** A group's ": 3 new pending, 1 now authorized". */
export function tallyPart(events: readonly PortoutEvent[]): TextPart[] {
  const summary = tally(events);
  return summary ? [{ variants: [`: ${summary}`], priority: PRIORITY.numbers }] : [];
}
