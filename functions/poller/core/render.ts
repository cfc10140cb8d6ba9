import { ALERT_ATTRIBUTES, type EventType } from './alert-types.ts';
import type { PortoutEvent } from './events.ts';
import type { Portout, PortoutStatus } from './portout.ts';

export const ALERT_SCHEMA_VERSION = 'portout-watch.alert/v1';

/** One alert, one text per channel, plus the attributes subscription filter policies match on. */
export interface RenderedAlert {
  subject: string;
  sms: string;
  email: string;
  /** The `default` channel: a versioned JSON document for machine subscribers. */
  json: Record<string, unknown>;
  attributes: Record<string, string | string[]>;
}

const HEADLINE: Record<PortoutEvent['type'], string> = {
  new: 'New port-out request',
  'status-changed': 'Port-out status changed',
  vanished: 'Port-out no longer visible',
};

function numbersSummary(numbers: readonly string[]): string {
  const [first] = numbers;
  if (!first) return 'no number listed';
  return numbers.length > 1 ? `${first} +${numbers.length - 1} more` : first;
}

function statusPhrase(event: PortoutEvent): string {
  switch (event.type) {
    case 'new':
      return event.portout.status;
    case 'status-changed':
      return `${event.previousStatus} -> ${event.portout.status}`;
    case 'vanished':
      return `was ${event.tracked.status}, now 404`;
  }
}

function currentStatus(event: PortoutEvent): PortoutStatus {
  return event.type === 'vanished' ? event.tracked.status : event.portout.status;
}

function previousStatus(event: PortoutEvent): PortoutStatus | 'none' {
  switch (event.type) {
    case 'new':
      return 'none';
    case 'status-changed':
      return event.previousStatus;
    case 'vanished':
      return event.tracked.status;
  }
}

function portoutDocument(portout: Portout): Record<string, unknown> {
  return { ...portout };
}

export function renderAlert(event: PortoutEvent, alertId: string, now: Date): RenderedAlert {
  const numbers = event.type === 'vanished' ? event.tracked.phoneNumbers : event.portout.phoneNumbers;
  const supportKey = event.type === 'vanished' ? event.tracked.supportKey : event.portout.supportKey;
  const focDate = event.type === 'vanished' ? event.tracked.focDate : event.portout.focDate;
  const headline = HEADLINE[event.type];
  const lines = [
    `${headline}: ${statusPhrase(event)}`,
    `Numbers: ${numbers.join(', ') || 'none listed'}`,
    `FOC date: ${focDate ?? 'not set'}`,
    `Support key: ${supportKey ?? 'none'}`,
  ];
  if (event.type !== 'vanished') {
    lines.push(`Gaining carrier: ${event.portout.carrierName ?? 'unknown'}`);
  }
  const eventType: EventType = event.type;
  return {
    subject: `${headline}: ${numbersSummary(numbers)}`,
    sms: `${headline} ${numbersSummary(numbers)} (${statusPhrase(event)}) ${supportKey ?? ''}`.trim(),
    email: lines.join('\n'),
    json: {
      schema: ALERT_SCHEMA_VERSION,
      alertId,
      type: event.type,
      occurredAt: now.toISOString(),
      status: currentStatus(event),
      previousStatus: previousStatus(event) === 'none' ? null : previousStatus(event),
      portout: event.type === 'vanished' ? { ...event.tracked } : portoutDocument(event.portout),
    },
    attributes: {
      [ALERT_ATTRIBUTES.eventType.name]: eventType,
      [ALERT_ATTRIBUTES.status.name]: currentStatus(event),
      [ALERT_ATTRIBUTES.previousStatus.name]: previousStatus(event),
    },
  };
}
