import { describe, expect, it } from 'vitest';
import { maskPhoneNumber, redactText } from '../../../../functions/poller/core/redact.ts';

describe('maskPhoneNumber', () => {
  it('keeps the country and area code and the last four digits', () => {
    expect(maskPhoneNumber('+13035551212')).toBe('+1303***1212');
    expect(maskPhoneNumber('+442071838750')).toBe('+4420***8750');
  });

  it('hides more of a short number, so it never shows whole', () => {
    expect(maskPhoneNumber('+3531234')).toBe('+35***34');
    expect(maskPhoneNumber('+35312345')).toBe('+3***2345');
  });
});

describe('redactText', () => {
  it('masks every E.164 number in free text', () => {
    expect(redactText('numbers +13035551212 and +442071838750 failed')).toBe('numbers +1303***1212 and +4420***8750 failed');
  });

  it('hides anything shaped like a Telnyx API key, whole', () => {
    expect(redactText('Bearer KEY0183A9F2E1D_aBcDeF failed')).toBe('Bearer KEY*** failed');
  });

  it('leaves ids, counts, statuses and timestamps alone', () => {
    const text = 'po-000123 rejected-pending after 3 attempt(s) at 1795813954012 (HTTP 503)';
    expect(redactText(text)).toBe(text);
  });
});
