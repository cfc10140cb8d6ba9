import type { Notifier, OutgoingAlert, PublishResult } from '../functions/poller/core/ports.ts';

/** Prints each alert as its recipients would see it: the SMS text, then the email. */
export function createConsoleNotifier(write: (text: string) => void = (text) => process.stdout.write(text)): Notifier {
  let count = 0;
  return {
    async publish(alerts: OutgoingAlert[]): Promise<PublishResult> {
      for (const alert of alerts) write(formatAlert(alert, ++count));
      return { delivered: alerts.map((alert) => alert.alertId), failed: [] };
    },
  };
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
