import { ALERT_ATTRIBUTES } from '../functions/poller/core/alert-types.ts';
import type { Notifier, OutgoingAlert, PublishResult } from '../functions/poller/core/ports.ts';

/**
 * Prints each alert as its recipients would see it: people's messages as the SMS text and the email, and the
 * JSON documents meant only for machine subscribers as one line each.
 */
export function createConsoleNotifier(write: (text: string) => void = (text) => process.stdout.write(text)): Notifier {
  let count = 0;
  return {
    async publish(alerts: OutgoingAlert[]): Promise<PublishResult> {
      for (const alert of alerts) write(isForPeople(alert) ? formatAlert(alert, ++count) : formatMachineDocument(alert));
      return { delivered: alerts.map((alert) => alert.alertId), failed: [] };
    },
  };
}

function isForPeople(alert: OutgoingAlert): boolean {
  const audience = alert.rendered.attributes[ALERT_ATTRIBUTES.audience.name];
  return !Array.isArray(audience) || audience.includes('people');
}

function formatMachineDocument(alert: OutgoingAlert): string {
  return `  · JSON for machine subscribers: ${alert.alertId}\n`;
}

export function formatAlert(alert: OutgoingAlert, ordinal: number): string {
  const { rendered } = alert;
  const indent = (text: string) =>
    text
      .split('\n')
      .map((line) => `  │ ${line}`)
      .join('\n');
  return [
    `\n┌─ alert ${ordinal} · ${rendered.attributes.eventType} · ${alert.alertId}`,
    '  ├ SMS',
    indent(rendered.sms),
    '  ├ Email',
    indent(`Subject: ${rendered.subject}\n\n${rendered.email}`),
    '  └',
    '',
  ].join('\n');
}
