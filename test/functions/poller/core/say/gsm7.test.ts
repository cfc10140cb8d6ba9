import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fitsOneSegment,
  isGsm7,
  septetLength,
  smsAsDelivered,
  toGsm7,
} from '../../../../../functions/poller/core/say/gsm7.ts';
import { singleLine, toAsciiLine } from '../../../../../functions/poller/core/say/transliterate.ts';

describe('isGsm7', () => {
  it.each([
    ['plain ASCII letters, digits and punctuation', 'Port-out +13035551212 (PO_764725)!', true],
    ['the accented letters GSM-7 has', 'èéùìòÇØøÅåÄÖÑÜäöñüàß£¥§¿¡', true],
    ['the Greek capitals GSM-7 has', 'ΔΦΓΛΩΠΨΣΘΞ', true],
    ['the extension table', '^{}\\[~]|€', true],
    ['line breaks', 'a\nb\rc', true],
    ['e with diaeresis', 'Zoë', false],
    ['a curly apostrophe', 'it’s', false],
    ['an emoji', 'alert 🚨', false],
    ['CJK', '山田', false],
    ['a tab', 'a\tb', false],
    ['lower-case c cedilla, which GSM-7 lacks', 'ç', false],
    ['ESC itself, which only introduces the extension table', '\u001b', false],
  ])('%s: %s', (_name, text, expected) => {
    expect(isGsm7(text)).toBe(expected);
  });
});

describe('toGsm7', () => {
  it.each([
    ['drops the diaeresis GSM-7 cannot carry', 'Zoë', 'Zoe'],
    ['keeps the accents GSM-7 has and drops the others', 'Télécom Ñandú', 'Télécom Ñandu'],
    ['turns smart quotes into plain ones', '“Zoë’s” ‘line’', '"Zoe\'s" \'line\''],
    ['turns dashes and ellipses into ASCII', 'a–b—c … d', 'a-b-c ... d'],
    ['drops emoji, joiners and variation selectors', 'Fire 🔥 👩‍👩‍👧 ❤️!', 'Fire   !'],
    ['drops scripts it cannot spell', '山田 Taro', ' Taro'],
    ['spells letters without a decomposition', 'Łódź Þór œuvre', 'Lodz Thor oeuvre'],
    ['decomposes compatibility forms', 'ﬁle Ｗide ²', 'file Wide 2'],
    ['maps c cedilla to c, keeping capital C cedilla', 'ça Ça', 'ca Ça'],
    ['leaves the extension table alone', '{[~]}|^€\\', '{[~]}|^€\\'],
  ])('%s', (_name, input, expected) => {
    expect(toGsm7(input)).toBe(expected);
  });

  it('always yields GSM-7, whatever it is given', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => isGsm7(toGsm7(text))));
  });

  it('leaves GSM-7 text unchanged', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => toGsm7(toGsm7(text)) === toGsm7(text)));
  });
});

describe('septetLength', () => {
  it('counts one septet per basic character', () => {
    expect(septetLength('Hello @£')).toBe(8);
  });

  it('counts two septets per extension character', () => {
    expect(septetLength('€5 [x]')).toBe(9);
  });

  it('is null for text GSM-7 cannot carry', () => {
    expect(septetLength('Zoë')).toBeNull();
  });
});

describe('fitsOneSegment', () => {
  it('accepts exactly 160 septets and refuses 161', () => {
    expect(fitsOneSegment('a'.repeat(160))).toBe(true);
    expect(fitsOneSegment('a'.repeat(161))).toBe(false);
  });

  it('counts extension characters twice', () => {
    expect(fitsOneSegment(`${'a'.repeat(158)}€`)).toBe(true);
    expect(fitsOneSegment(`${'a'.repeat(159)}€`)).toBe(false);
  });

  it('counts the display name and the "> " SNS puts after it', () => {
    expect(smsAsDelivered('hello', 'PortWatch')).toBe('PortWatch> hello');
    expect(fitsOneSegment('a'.repeat(149), 'PortWatch')).toBe(true);
    expect(fitsOneSegment('a'.repeat(150), 'PortWatch')).toBe(false);
  });

  it('adds no prefix when the topic has no display name', () => {
    expect(smsAsDelivered('hello', '')).toBe('hello');
  });

  it('falls back to the 70-unit UCS-2 budget when any character is outside GSM-7', () => {
    expect(fitsOneSegment(`${'a'.repeat(69)}ë`)).toBe(true);
    expect(fitsOneSegment(`${'a'.repeat(70)}ë`)).toBe(false);
  });

  it('switches to UCS-2 when only the display name is outside GSM-7', () => {
    expect(fitsOneSegment('a'.repeat(155), 'Zoe')).toBe(true);
    expect(fitsOneSegment('a'.repeat(155), 'Zoë')).toBe(false);
    expect(fitsOneSegment('a'.repeat(65), 'Zoë')).toBe(true);
    expect(fitsOneSegment('a'.repeat(66), 'Zoë')).toBe(false);
  });
});

describe('singleLine', () => {
  it('turns control characters and line separators into single spaces and trims', () => {
    expect(singleLine('  100\tMain\r\nSt\u2028Apt\u0007 2  ')).toBe('100 Main St Apt 2');
  });
});

describe('toAsciiLine', () => {
  it('transliterates to printable ASCII on one line', () => {
    expect(toAsciiLine('Télécom Zoë\n“Ünïcode” 📱 £5 Øresund Straße')).toBe(
      'Telecom Zoe "Unicode" GBP5 Oresund Strasse',
    );
  });

  it('yields printable ASCII only, whatever it is given', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => /^[\x20-\x7e]*$/.test(toAsciiLine(text))));
  });
});
