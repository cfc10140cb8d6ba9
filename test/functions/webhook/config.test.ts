import { describe, expect, it } from 'vitest';
import { parseWebhookConfig, WebhookConfigError } from '../../../functions/webhook/config.ts';
import { createWebhookSigner } from '../../../local/webhook-signer.ts';

const keyA = createWebhookSigner().publicKey;
const keyB = createWebhookSigner().publicKey;
const poller = { POLLER_FUNCTION_NAME: 'portout-watch-poller' };

describe('parseWebhookConfig', () => {
  it('a single-account deployment: one key, from TELNYX_PUBLIC_KEY', () => {
    expect(parseWebhookConfig({ ...poller, TELNYX_PUBLIC_KEY: keyA })).toEqual({
      keys: { kind: 'single', publicKey: keyA },
      pollerFunctionName: 'portout-watch-poller',
    });
  });

  it('several accounts: each name with its key, or null where none is configured', () => {
    const accounts = JSON.stringify({ default: keyA, 'brand-b': keyB, 'brand-c': null });
    expect(parseWebhookConfig({ ...poller, WEBHOOK_ACCOUNTS: accounts }).keys).toEqual({
      kind: 'several',
      accounts: new Map([
        ['default', keyA],
        ['brand-b', keyB],
        ['brand-c', null],
      ]),
    });
  });

  it.each([
    ['not JSON', '{', /WEBHOOK_ACCOUNTS must be a JSON object mapping each account's name/],
    ['a list', '[]', /WEBHOOK_ACCOUNTS must be a JSON object/],
    ['a name that is not an account name', JSON.stringify({ 'Brand B': keyB }), /WEBHOOK_ACCOUNTS must be a JSON object/],
    ['a key that is not one', JSON.stringify({ 'brand-b': 'KEY0123' }), /WEBHOOK_ACCOUNTS: the key of account "brand-b" is not base64.*webhookPublicKey/],
  ])('refuses WEBHOOK_ACCOUNTS that is %s, naming the variable and where the stack sets it from', (_label, value, message) => {
    expect(() => parseWebhookConfig({ ...poller, WEBHOOK_ACCOUNTS: value })).toThrow(message);
  });

  it('refuses both variables at once, or neither', () => {
    expect(() => parseWebhookConfig({ ...poller, TELNYX_PUBLIC_KEY: keyA, WEBHOOK_ACCOUNTS: JSON.stringify({ default: keyA }) })).toThrow(
      /WEBHOOK_ACCOUNTS and TELNYX_PUBLIC_KEY are both set/,
    );
    expect(() => parseWebhookConfig(poller)).toThrow(WebhookConfigError);
    expect(() => parseWebhookConfig(poller)).toThrow(/TELNYX_PUBLIC_KEY is empty/);
  });
});
