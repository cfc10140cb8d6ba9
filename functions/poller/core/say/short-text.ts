import type { PortoutEvent } from '../model.ts';
import { tally } from './facts.ts';
import type { TextPart } from './fit-parts.ts';

// The parts the two short texts, the SMS and the email subject, are built from, and fitted with fitParts.

/** Lower is kept longer. Parts show in the order each builder lists them, whatever their priority. */
export const PRIORITY = {
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
export type Clean = (text: string) => string;

/** Cuts free text to at most `max` characters, at a word boundary when one is near, marking the cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 2);
  const words = cut.replace(/\s+\S*$/, '');
  return `${words.length >= max / 2 ? words : cut.trimEnd()}..`;
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
