import { describe, expect, it } from 'vitest';
import { countryCodesOf } from '../../../../../functions/poller/core/say/country-codes.ts';

describe('countryCodesOf', () => {
  it.each([
    ['a US number', '+13035551212', ['US']],
    ['a Toronto number, +1 but Canadian', '+14165550100', ['CA']],
    ['a number in a recent Canadian overlay', '+19425550100', ['CA']],
    ['a Bahamas number, +1 but not North American', '+12425550100', ['BS']],
    ['a Puerto Rico number', '+19395550100', ['PR']],
    ['a toll-free number, shared by the US and Canada', '+18005551212', ['CA', 'US']],
    ['a UK number, whose calling code the Crown Dependencies share', '+442071234567', ['GB', 'GG', 'IM', 'JE']],
    ['a Kazakh number within +7', '+77012345678', ['KZ']],
    ['a Russian number', '+74951234567', ['RU']],
    ['a three-digit calling code', '+353112345678', ['IE']],
    ['a two-digit code beside three-digit ones', '+4930123456', ['DE']],
    ['a number written with spaces and punctuation', '+1 (416) 555-0100', ['CA']],
    ['an international freephone number, which has no country', '+80012345678', ['ZZ']],
    ['a number without its +', '13035551212', ['ZZ']],
    ['something that is not a number', 'unknown', ['ZZ']],
  ])('%s: %s', (_name, number, expected) => {
    expect(countryCodesOf([number])).toEqual(expected);
  });

  it('lists each country once, sorted', () => {
    expect(countryCodesOf(['+13035551212', '+14165550100', '+13035551213', '+33142685300'])).toEqual(['CA', 'FR', 'US']);
  });

  it("says 'ZZ' for an empty list, so a filter can still match it", () => {
    expect(countryCodesOf([])).toEqual(['ZZ']);
  });
});
