import { ed25519PublicKeyProblem } from './public-key.ts';

/** The receiver's environment; the stack sets both. */
export const WEBHOOK_ENV = {
  /** The name the telnyx SDK reads by default for `webhooks.unwrap()`. */
  publicKey: 'TELNYX_PUBLIC_KEY',
  pollerFunctionName: 'POLLER_FUNCTION_NAME',
} as const;

export interface WebhookConfig {
  publicKey: string;
  pollerFunctionName: string;
}

export class WebhookConfigError extends Error {
  override name = 'WebhookConfigError';
}

export function parseWebhookConfig(env: Record<string, string | undefined>): WebhookConfig {
  const publicKey = env[WEBHOOK_ENV.publicKey]?.trim() ?? '';
  const keyProblem = ed25519PublicKeyProblem(publicKey);
  if (keyProblem) throw new WebhookConfigError(`${WEBHOOK_ENV.publicKey} ${keyProblem}; the stack sets it from webhook.publicKey`);
  const pollerFunctionName = env[WEBHOOK_ENV.pollerFunctionName]?.trim() ?? '';
  if (!pollerFunctionName) {
    throw new WebhookConfigError(`${WEBHOOK_ENV.pollerFunctionName} is not set: the stack passes the poller's function name`);
  }
  return { publicKey, pollerFunctionName };
}
