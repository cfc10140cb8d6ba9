import { accountNameProblem, MANAGED_ACCOUNT_PREFIX, managedAccountName } from './accounts.ts';
import { PORTOUT_STATUSES } from './portout.ts';

/** Every kind of alert the poller publishes; subscription filter policies match on these. */
export const EVENT_TYPES = [
  'new',
  'status-changed',
  'vanished',
  'foc-date-changed',
  'foc-approaching',
  'possible-fraud',
  'new-comment',
  'watch-started',
  'digest',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A test alert, sent on request after a deploy (`npm run test-alert`); never about a real port-out. */
export const TEST_EVENT_TYPE = 'test';

/**
 * SNS message attributes on every alert, for subscription filter policies.
 * Values: eventType ∈ EVENT_TYPES, or TEST_EVENT_TYPE; status and previousStatus ∈ PORTOUT_STATUSES (or 'none'), or
 * a status Telnyx added since, under its sanitized raw name (see readStatus), so a filter policy can only list the
 * known ones;
 * countryCodes is a String.Array of ISO 3166 alpha-2 codes; account is the Telnyx account's name (a String), only on
 * the alerts of a deployment that watches more than its one default account.
 */
export const ALERT_ATTRIBUTES = {
  eventType: { name: 'eventType', values: [...EVENT_TYPES, TEST_EVENT_TYPE] as const },
  status: { name: 'status', values: PORTOUT_STATUSES },
  previousStatus: { name: 'previousStatus', values: [...PORTOUT_STATUSES, 'none'] as const },
  countryCodes: { name: 'countryCodes', values: undefined },
  /** String.Array: 'people' (email, SMS) and/or 'machines' (JSON subscribers); grouped runs split the two. */
  audience: { name: 'audience', values: ['people', 'machines'] as const },
  /** Any account's name: configured ones are known at synth, managed ones only once discovered. */
  account: { name: 'account', values: undefined },
} as const;
export type AlertAttributeName = (typeof ALERT_ATTRIBUTES)[keyof typeof ALERT_ATTRIBUTES]['name'];

/** Whether a filter policy's `account` value can name an account: a configured name, or a managed account's. */
export function isAccountAttributeValue(value: string): boolean {
  if (accountNameProblem(value) === null) return true;
  const id = value.slice(MANAGED_ACCOUNT_PREFIX.length);
  return value.startsWith(MANAGED_ACCOUNT_PREFIX) && id !== '' && managedAccountName(id) === value;
}
