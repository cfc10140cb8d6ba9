/**
 * Characters NFKD leaves alone but that have an obvious plain spelling. Alerts only put carrier names, keys and
 * numbers into the SMS and subject, so Latin letters and punctuation are what matter; other scripts are dropped.
 */
const PLAIN_SPELLING: Record<string, string> = {
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '`': "'",
  '´': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '‟': '"',
  '″': '"',
  '«': '"',
  '»': '"',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '―': '-',
  '−': '-',
  '⁄': '/',
  '•': '*',
  '·': '.',
  '\t': ' ',
  'ł': 'l',
  'Ł': 'L',
  'đ': 'd',
  'Đ': 'D',
  'ð': 'd',
  'Ð': 'D',
  'þ': 'th',
  'Þ': 'Th',
  'œ': 'oe',
  'Œ': 'OE',
  'ı': 'i',
  'ħ': 'h',
  'Ħ': 'H',
  'ŧ': 't',
  'Ŧ': 'T',
  'ŋ': 'n',
  'Ŋ': 'N',
  'ſ': 's',
  'ß': 'ss',
  'æ': 'ae',
  'Æ': 'AE',
  'ø': 'o',
  'Ø': 'O',
  '©': '(c)',
  '®': '(R)',
  '€': 'EUR',
  '£': 'GBP',
};

const COMBINING_MARK = /\p{M}/u;

function spellPlainly(char: string, allowed: (char: string) => boolean): string {
  const plain = PLAIN_SPELLING[char];
  return plain !== undefined && [...plain].every(allowed) ? plain : '';
}

/**
 * Rewrites `text` with only the characters `allowed` accepts: each other character is replaced by its plain
 * spelling ("’" → "'"), or by its decomposition without accents ("ë" → "e", "ﬁ" → "fi"), or dropped (emoji, CJK).
 */
export function transliterate(text: string, allowed: (char: string) => boolean): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    if (allowed(char)) {
      out += char;
      continue;
    }
    const plain = spellPlainly(char, allowed);
    if (plain) {
      out += plain;
      continue;
    }
    for (const part of char.normalize('NFKD')) {
      if (COMBINING_MARK.test(part)) continue;
      out += allowed(part) ? part : spellPlainly(part, allowed);
    }
  }
  return out;
}

/** Control characters and Unicode line breaks become spaces; runs of whitespace collapse to one. */
export function singleLine(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const PRINTABLE_ASCII = /^[\x20-\x7e]$/;

/** One line of printable ASCII: what an email subject can carry through every mail system. */
export function toAsciiLine(text: string): string {
  return singleLine(transliterate(singleLine(text), (char) => PRINTABLE_ASCII.test(char)));
}
