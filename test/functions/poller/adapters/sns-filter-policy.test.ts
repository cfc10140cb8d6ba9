import { describe, expect, it } from 'vitest';
import { matchesFilterPolicy } from '../../../../functions/poller/adapters/sns-filter-policy.ts';

const digest = { eventType: ['digest', 'new', 'possible-fraud'], status: ['pending', 'rejected'], countryCodes: ['US'], audience: ['people'] };
const single = { eventType: 'new', status: 'pending', previousStatus: 'none', countryCodes: ['CA', 'US'], audience: ['people', 'machines'] };

describe('matchesFilterPolicy', () => {
  it.each([
    ['a listed String value', { eventType: ['new', 'possible-fraud'] }, single, true],
    ['an unlisted String value', { eventType: ['possible-fraud'] }, single, false],
    ['one listed value of a String.Array', { countryCodes: ['CA'] }, single, true],
    ['no listed value of a String.Array', { countryCodes: ['GB'] }, single, false],
    ['a group carrying the listed type', { eventType: ['possible-fraud'] }, digest, true],
    ['anythingBut a value the message has not', { eventType: { anythingBut: ['new-comment'] } }, single, true],
    ['anythingBut the value the message has', { eventType: { anythingBut: ['new'] } }, single, false],
    ['anythingBut, when some value of the array is not held back', { status: { anythingBut: ['pending'] } }, digest, true],
    ['anythingBut every value of the array', { countryCodes: { anythingBut: ['US'] } }, digest, false],
    ['every attribute named, each matching', { eventType: ['new'], countryCodes: ['US'] }, single, true],
    ['every attribute named, one not matching', { eventType: ['new'], countryCodes: ['GB'] }, single, false],
    ['an attribute the message lacks', { previousStatus: ['none'] }, digest, false],
    ['anythingBut on an attribute the message lacks', { previousStatus: { anythingBut: ['pending'] } }, digest, false],
    ['an empty policy', {}, single, true],
    ['the account listed', { account: ['brand-eu'] }, { ...single, account: 'brand-eu' }, true],
    ['another account', { account: ['brand-eu'] }, { ...single, account: 'brand-us' }, false],
    ['anythingBut another account', { account: { anythingBut: ['brand-us'] } }, { ...single, account: 'brand-eu' }, true],
    ['an account filter, on a single-account deployment’s alert (no account attribute)', { account: ['default'] }, single, false],
  ])('%s', (_name, policy, attributes, expected) => {
    expect(matchesFilterPolicy(policy, attributes)).toBe(expected);
  });
});
