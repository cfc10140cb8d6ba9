import { ALERT_ATTRIBUTES, TEST_EVENT_TYPE } from '../alert-types.ts';
import type { PortoutEvent, RenderedAlert } from '../model.ts';
import { renderChat, renderGroupChat, renderTestChat } from './chat.ts';
import { renderContext, type AlertGroupKind, type GroupedEvent, type RenderOptions } from './context.ts';
import { alertDocument, groupDocument, testDocument } from './document.ts';
import { renderEmail, renderGroupEmail, renderTestEmail } from './email.ts';
import { renderGroupSms, renderSms, renderTestSms } from './sms.ts';

// Each channel's wording lives in its own module (sms.ts, email.ts, chat.ts, document.ts); this puts one alert together.

/** A String, so a filter policy routes by account; absent where one account is watched, as before. */
const accountAttribute = (options: RenderOptions): Record<string, string> =>
  options.account ? { [ALERT_ATTRIBUTES.account.name]: options.account.name } : {};

export function renderAlert(
  event: PortoutEvent,
  alertId: string,
  now: Date,
  options: RenderOptions = {},
): RenderedAlert {
  const ctx = renderContext(alertId, now, options);
  const document = alertDocument(event, ctx);
  const email = renderEmail(event, ctx);
  return {
    subject: email.subject,
    sms: renderSms(event, ctx, options.displayName ?? ''),
    email: email.body,
    json: document,
    chat: renderChat(event, ctx),
    attributes: {
      [ALERT_ATTRIBUTES.eventType.name]: document.type,
      [ALERT_ATTRIBUTES.status.name]: document.status,
      [ALERT_ATTRIBUTES.previousStatus.name]: document.previousStatus ?? 'none',
      [ALERT_ATTRIBUTES.countryCodes.name]: document.countryCodes,
      ...accountAttribute(options),
    },
  };
}

/** One message for people covering several events: the first run's summary, or a digest of a busy run. */
export function renderGroup(
  kind: AlertGroupKind,
  items: readonly GroupedEvent[],
  groupId: string,
  now: Date,
  options: RenderOptions = {},
): RenderedAlert {
  const ctx = renderContext(groupId, now, options);
  const documents = items.map((item) => alertDocument(item.event, { ...ctx, alertId: item.alertId }));
  const document = groupDocument(kind, items, documents, ctx);
  const email = renderGroupEmail(kind, items, ctx);
  const distinct = (values: string[]) => [...new Set(values)].sort();
  return {
    subject: email.subject,
    sms: renderGroupSms(kind, items, ctx, options.displayName ?? ''),
    email: email.body,
    json: document,
    chat: renderGroupChat(kind, items, ctx),
    attributes: {
      // The group's own type and every type it carries: a subscription filtered to, say, possible-fraud still gets
      // the digest that holds one, rather than never hearing of it.
      [ALERT_ATTRIBUTES.eventType.name]: distinct([kind, ...items.map((item) => item.event.type)]),
      // A group holds several statuses: as arrays, a filter on any one of them still matches.
      [ALERT_ATTRIBUTES.status.name]: distinct(documents.map((item) => item.status)),
      [ALERT_ATTRIBUTES.previousStatus.name]: distinct(documents.map((item) => item.previousStatus ?? 'none')),
      [ALERT_ATTRIBUTES.countryCodes.name]: document.countryCodes,
      ...accountAttribute(options),
    },
  };
}

/**
 * The test alert `npm run test-alert` sends through every channel, to people and machines alike. Its only
 * attributes are eventType `test` and the audience, so it is easy to filter in or out, and never mistaken for a
 * port-out.
 */
export function renderTestAlert(alertId: string, now: Date, options: RenderOptions = {}): RenderedAlert {
  const ctx = renderContext(alertId, now, options);
  const email = renderTestEmail(ctx);
  return {
    subject: email.subject,
    sms: renderTestSms(ctx, options.displayName ?? ''),
    email: email.body,
    json: testDocument(ctx),
    chat: renderTestChat(ctx),
    attributes: {
      [ALERT_ATTRIBUTES.eventType.name]: TEST_EVENT_TYPE,
      [ALERT_ATTRIBUTES.audience.name]: [...ALERT_ATTRIBUTES.audience.values],
      ...accountAttribute(options),
    },
  };
}
