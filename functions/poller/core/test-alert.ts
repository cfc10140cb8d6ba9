import type { Notifier, PublishResult } from './ports.ts';
import type { RenderOptions } from './say/context.ts';
import { renderTestAlert } from './say/render.ts';

/** The payload `npm run test-alert` invokes the deployed poller with. */
export const TEST_ALERT_REQUEST = { portoutWatch: 'test-alert' } as const;

export function isTestAlertRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>).portoutWatch === TEST_ALERT_REQUEST.portoutWatch;
}

export interface TestAlertReport {
  outcome: 'test-alert-sent' | 'test-alert-failed';
  alertId: string;
  failed: PublishResult['failed'];
}

/**
 * Sends one test alert through every channel: the alert topic (email, SMS, machine subscribers) and, when
 * configured, the chat topics. It reads and writes no state and asks Telnyx nothing, so it can't disturb the watch.
 */
export async function sendTestAlert(
  notifier: Notifier,
  context: { now: Date; deadline: number; runId: string; render: RenderOptions },
): Promise<TestAlertReport> {
  const alertId = `test.${context.runId}`;
  const rendered = renderTestAlert(alertId, context.now, context.render);
  const result = await notifier.publish([{ alertId, portoutId: null, covers: [alertId], rendered }], context.deadline);
  return {
    outcome: result.delivered.includes(alertId) ? 'test-alert-sent' : 'test-alert-failed',
    alertId,
    failed: result.failed,
  };
}
