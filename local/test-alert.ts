import { ENV } from '../functions/poller/config.ts';
import type { RenderedAlert } from '../functions/poller/core/model.ts';
import { renderTestAlert } from '../functions/poller/core/say/render.ts';

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  │ ${line}`)
    .join('\n');

/** Every rendering of one alert, as each channel's recipients get it. */
export function formatEveryChannel(rendered: RenderedAlert, alertId: string): string {
  return [
    `┌─ ${rendered.attributes.eventType} alert ${alertId}: every channel`,
    '  ├ SMS',
    indent(rendered.sms),
    '  ├ Email',
    indent(`Subject: ${rendered.subject}\n\n${rendered.email}`),
    '  ├ Slack and Teams (AWS Chatbot custom notification, on the chat topics)',
    indent(JSON.stringify(rendered.chat, null, 2)),
    '  ├ JSON document (Lambda, SQS and HTTPS subscribers)',
    indent(JSON.stringify(rendered.json, null, 2)),
    `  ├ Message attributes: ${JSON.stringify(rendered.attributes)}`,
    '  └',
    '',
  ].join('\n');
}

/** `npm start -- --test-alert`: the test alert `npm run test-alert` sends a deployed stack, printed here. */
export function formatTestAlert(env: Record<string, string | undefined>, now = new Date()): string {
  const alertId = `test.local-${now.getTime()}`;
  const rendered = renderTestAlert(alertId, now, { displayName: env[ENV.smsDisplayName] ?? '' });
  return `${formatEveryChannel(rendered, alertId)}\nAfter a deploy, \`npm run test-alert\` sends this through every configured channel.\n`;
}
