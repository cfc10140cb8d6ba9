import { ACCOUNT_NAME_PATTERN } from '../poller/core/accounts.ts';
import { ed25519PublicKeyProblem } from './public-key.ts';

/** The receiver's environment; the stack sets TELNYX_PUBLIC_KEY or WEBHOOK_ACCOUNTS, and POLLER_FUNCTION_NAME. */
export const WEBHOOK_ENV = {
  /** A single-account deployment's key; the name the telnyx SDK reads by default for `webhooks.unwrap()`. */
  publicKey: 'TELNYX_PUBLIC_KEY',
  /** A deployment watching several accounts: JSON `{ "<account name>": "<public key>" or null }`, every configured account. */
  accounts: 'WEBHOOK_ACCOUNTS',
  pollerFunctionName: 'POLLER_FUNCTION_NAME',
} as const;

/**
 * Whose webhooks the receiver verifies. `single`: the one account's, at the bare URL. `several`: each configured
 * account's, at the URL with `?account=<name>` (`default` also at the bare URL); null where no key is configured.
 */
export type WebhookKeys = { kind: 'single'; publicKey: string } | { kind: 'several'; accounts: Map<string, string | null> };

export interface WebhookConfig {
  keys: WebhookKeys;
  pollerFunctionName: string;
}

export class WebhookConfigError extends Error {
  override name = 'WebhookConfigError';
}

const ACCOUNTS_SHAPE = `${WEBHOOK_ENV.accounts} must be a JSON object mapping each account's name to its webhook public key or null: the stack sets it from webhook.publicKey and telnyxAccounts[].webhookPublicKey`;

function parseAccountKeys(raw: string): Map<string, string | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new WebhookConfigError(ACCOUNTS_SHAPE);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WebhookConfigError(ACCOUNTS_SHAPE);
  const accounts = new Map<string, string | null>();
  for (const [name, key] of Object.entries(parsed)) {
    if (!ACCOUNT_NAME_PATTERN.test(name) || (key !== null && typeof key !== 'string')) throw new WebhookConfigError(ACCOUNTS_SHAPE);
    const keyProblem = key === null ? null : ed25519PublicKeyProblem(key);
    if (keyProblem) {
      throw new WebhookConfigError(`${WEBHOOK_ENV.accounts}: the key of account "${name}" ${keyProblem}; the stack sets it from that account's webhookPublicKey`);
    }
    accounts.set(name, key === null ? null : key.trim());
  }
  return accounts;
}

export function parseWebhookConfig(env: Record<string, string | undefined>): WebhookConfig {
  const accountsJson = env[WEBHOOK_ENV.accounts]?.trim();
  const publicKey = env[WEBHOOK_ENV.publicKey]?.trim() ?? '';
  let keys: WebhookKeys;
  if (accountsJson) {
    if (publicKey) throw new WebhookConfigError(`${WEBHOOK_ENV.accounts} and ${WEBHOOK_ENV.publicKey} are both set: the stack sets one of them`);
    keys = { kind: 'several', accounts: parseAccountKeys(accountsJson) };
  } else {
    const keyProblem = ed25519PublicKeyProblem(publicKey);
    if (keyProblem) throw new WebhookConfigError(`${WEBHOOK_ENV.publicKey} ${keyProblem}; the stack sets it from webhook.publicKey`);
    keys = { kind: 'single', publicKey };
  }
  const pollerFunctionName = env[WEBHOOK_ENV.pollerFunctionName]?.trim() ?? '';
  if (!pollerFunctionName) {
    throw new WebhookConfigError(`${WEBHOOK_ENV.pollerFunctionName} is not set: the stack passes the poller's function name`);
  }
  return { keys, pollerFunctionName };
}
