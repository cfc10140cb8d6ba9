/**
 * The Telnyx accounts one deployment watches. A deployment with no `telnyxAccounts` watches one account, named
 * `default`, exactly as a single-account deployment always has: its records keep their original table keys, so an
 * upgrade re-alerts nothing.
 */
export const DEFAULT_ACCOUNT_NAME = 'default';

/** Names a person chooses in config: short (it appears in every SMS), lowercase, digits and inner hyphens. */
export const ACCOUNT_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
export const MAX_ACCOUNT_NAME_LENGTH = 20;

/** The stack outputs whose commands put a key in an account's secret, and in the manager's; errors point to them. */
export const SET_KEY_COMMAND_OUTPUT = 'SetTelnyxApiKeyCommand';
export const SET_MANAGER_KEY_COMMAND_OUTPUT = 'SetManagerKeyCommand';

/**
 * What follows an account's output names (`SetTelnyxApiKeyCommand…`): nothing for `default`, so a single-account
 * stack keeps its outputs, else its name with `-` written `X` (names are lowercase, so no two share one).
 */
export function accountOutputSuffix(name: string): string {
  return name === DEFAULT_ACCOUNT_NAME ? '' : name.replace(/-/g, 'X');
}

/** Managed accounts are named for their Telnyx id, under a prefix no configured name may take. */
export const MANAGED_ACCOUNT_PREFIX = 'managed-';

export interface AccountRef {
  /**
   * Stable and safe to log: the key of the account's records, its lease, its `account` metric dimension and log
   * field, and the `account` message attribute filter policies match on.
   */
  name: string;
  /** What people read in alerts: the configured name, or a managed account's organization name. */
  label: string;
}

/** Why a configured account name is unusable, or null if it is fine; the message names the fix. */
export function accountNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !ACCOUNT_NAME_PATTERN.test(name)) {
    return `must be 1-${MAX_ACCOUNT_NAME_LENGTH} characters of a-z, 0-9 and inner hyphens, e.g. "brand-eu"`;
  }
  if (name.startsWith(MANAGED_ACCOUNT_PREFIX)) {
    return `must not start with "${MANAGED_ACCOUNT_PREFIX}": that prefix names discovered managed accounts`;
  }
  return null;
}

/** A managed account's stable name, from its Telnyx id (lowercased; anything but a-z, 0-9 and - dropped). */
export function managedAccountName(telnyxId: string): string {
  return `${MANAGED_ACCOUNT_PREFIX}${telnyxId.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 64)}`;
}
