/**
 * The receiver's metrics, in the poller's namespace and service dimension. Each is emitted only when non-zero,
 * so a quiet month costs next to nothing.
 */
export const WEBHOOK_METRIC = {
  /** Unsigned, wrongly signed or stale requests: someone probing the URL, or a rotated key. */
  signatureFailures: 'WebhookSignatureFailures',
  /** Verified webhooks whose poll could not be triggered: the scheduled poll catches up, later. */
  triggerFailures: 'WebhookTriggerFailures',
} as const;
