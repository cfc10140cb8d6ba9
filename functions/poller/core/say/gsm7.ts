import { transliterate } from './transliterate.ts';

/** GSM 03.38 default alphabet, less ESC (0x1B), which only introduces the extension table. */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The extension table's printable characters: each is sent as ESC + code, so it costs two septets. */
const GSM7_EXTENSION = new Set('^{}\\[~]|€');

/** One SMS segment: 140 bytes, i.e. 160 septets in GSM-7 or 70 UTF-16 code units in UCS-2. */
export const GSM7_SEGMENT_SEPTETS = 160;
export const UCS2_SEGMENT_UNITS = 70;

/** A character of the basic table: one septet, so a text of these costs exactly its length. */
export function isGsm7BasicChar(char: string): boolean {
  return GSM7_BASIC.has(char);
}

export function isGsm7Char(char: string): boolean {
  return GSM7_BASIC.has(char) || GSM7_EXTENSION.has(char);
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!isGsm7Char(char)) return false;
  return true;
}

/** Transliterates what GSM-7 can't carry ("Zoë" → "Zoe", "’" → "'") and drops the rest (emoji, CJK). */
export function toGsm7(text: string): string {
  return transliterate(text, isGsm7Char);
}

/** Septets `text` takes in GSM-7, or null when it holds a character GSM-7 can't carry. */
export function septetLength(text: string): number | null {
  let septets = 0;
  for (const char of text) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else return null;
  }
  return septets;
}

/** The text a handset shows: SNS prefixes the topic's display name, when it has one, as "NAME> ". */
export function smsAsDelivered(text: string, displayName: string): string {
  return displayName ? `${displayName}> ${text}` : text;
}

/**
 * Whether the SMS, display name included, goes out as a single segment. One character outside GSM-7, in the
 * display name too, switches the whole message to UCS-2 and its 70-unit budget.
 */
export function fitsOneSegment(text: string, displayName = ''): boolean {
  const delivered = smsAsDelivered(text, displayName);
  const septets = septetLength(delivered);
  return septets === null ? delivered.length <= UCS2_SEGMENT_UNITS : septets <= GSM7_SEGMENT_SEPTETS;
}
