import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notifier, OutgoingAlert } from '../../../../functions/poller/core/ports.ts';
import type { ChatNotification } from '../../../../functions/poller/core/say/chat.ts';
import { SUBJECT_MAX_CHARS } from '../../../../functions/poller/core/say/email.ts';
import { fitsOneSegment, isGsm7 } from '../../../../functions/poller/core/say/gsm7.ts';
import { renderTestAlert } from '../../../../functions/poller/core/say/render.ts';
import { isTestAlertRequest, sendTestAlert, TEST_ALERT_REQUEST } from '../../../../functions/poller/core/test-alert.ts';

const NOW = new Date('2026-11-27T16:00:00.000Z');

describe('renderTestAlert', () => {
  const alert = renderTestAlert('test.req-1', NOW);

  it('says in every channel that it is a test and that no port-out happened', () => {
    expect(alert.subject).toBe('portout-watch TEST alert: no port-out happened');
    expect(alert.sms).toBe('portout-watch TEST alert: SMS alerts reach this phone. No port-out happened, nothing to do');
    expect(alert.email).toBe(
      'This is a test alert from portout-watch, sent on request at 2026-11-27 16:00 UTC (npm run test-alert).\n' +
        'No port-out request happened, and there is nothing to do.\n\n' +
        'If you are reading this, alert emails reach you. Check that it did not land in spam, and that the SMS, ' +
        'Slack and Teams channels got their test alert too.\n\n' +
        '--\nportout-watch alert test.req-1, detected 2026-11-27 16:00 UTC.\n',
    );
    expect(alert.json).toEqual({
      schema: 'portout-watch.alert/v1',
      alertId: 'test.req-1',
      type: 'test',
      occurredAt: '2026-11-27T16:00:00.000Z',
      test: true,
      note: 'A test alert sent on request (npm run test-alert): no port-out happened.',
    });
    expect(alert.chat).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'test.req-1',
      content: {
        textType: 'client-markdown',
        title: 'portout-watch TEST alert: no port-out happened',
        description:
          'A test alert, sent on request at 2026-11-27 16:00 UTC. If you can read it here, alerts reach this channel.\n' +
          'No port-out request happened, and there is nothing to do.',
        nextSteps: ['Nothing: this was a test. Real alerts look like this, with the numbers and what to do.'],
        keywords: ['portout-watch', 'test'],
      },
      metadata: {
        threadId: 'portout-watch-test',
        summary: 'portout-watch TEST alert: no port-out happened',
        eventType: 'test',
        additionalContext: { alertId: 'test.req-1' },
      },
    } satisfies ChatNotification);
  });

  it('is for people and machines, filterable on eventType "test", and names no status or country', () => {
    expect(alert.attributes).toEqual({ eventType: 'test', audience: ['people', 'machines'] });
  });

  it('names the account, when given one, in every channel and as the account attribute', () => {
    const named = renderTestAlert('test.req-1', NOW, { account: { name: 'managed-2a7f0c1e', label: 'Acme Telecom Europe GmbH' } });
    expect(named.subject).toBe('Acme Telecom Europe GmbH: portout-watch TEST alert: no port-out happened');
    expect(named.sms).toBe('Acme Telec..: portout-watch TEST alert: SMS alerts reach this phone. No port-out happened, nothing to do');
    expect(named.email.startsWith('Telnyx account: Acme Telecom Europe GmbH (managed-2a7f0c1e)\n\nThis is a test alert')).toBe(true);
    expect((named.chat as ChatNotification).content.title).toBe('Acme Telecom Europe GmbH: portout-watch TEST alert: no port-out happened');
    expect((named.chat as ChatNotification).content.description).toMatch(
      /\n\*Telnyx account:\* `Acme Telecom Europe GmbH` \(`managed-2a7f0c1e`\)$/,
    );
    expect(named.json).toMatchObject({ type: 'test', account: 'managed-2a7f0c1e' });
    expect(named.attributes).toEqual({ eventType: 'test', audience: ['people', 'machines'], account: 'managed-2a7f0c1e' });
  });

  it('fits the SMS in one GSM-7 segment and the subject in SNS’s limit, whatever the display name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 10 }), (displayName) => {
        const { sms, subject } = renderTestAlert('test.x', NOW, { displayName });
        expect(isGsm7(sms)).toBe(true);
        expect(fitsOneSegment(sms, displayName)).toBe(true);
        expect(sms).toMatch(/^portout-watch TEST alert/);
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
      }),
    );
  });
});

describe('isTestAlertRequest', () => {
  it.each([
    [TEST_ALERT_REQUEST, true],
    [{ portoutWatch: 'test-alert', extra: 1 }, true],
    [{}, false],
    [{ portoutWatch: 'poll' }, false],
    [null, false],
    ['test-alert', false],
    [{ 'detail-type': 'Scheduled Event' }, false],
  ])('%j: %s', (event, expected) => {
    expect(isTestAlertRequest(event)).toBe(expected);
  });
});

describe('sendTestAlert', () => {
  const recording = (accept: boolean) => {
    const sent: OutgoingAlert[][] = [];
    const notifier: Notifier = {
      async publish(alerts) {
        sent.push(alerts);
        const ids = alerts.map((alert) => alert.alertId);
        return accept ? { delivered: ids, failed: [] } : { delivered: [], failed: ids.map((alertId) => ({ alertId, reason: 'Throttled' })) };
      },
    };
    return { notifier, sent };
  };

  it('publishes exactly one test alert, named by the run, within the deadline', async () => {
    const { notifier, sent } = recording(true);
    const report = await sendTestAlert(notifier, { now: NOW, deadline: 1_000, runId: 'req-1', render: {} });
    expect(report).toEqual({ outcome: 'test-alert-sent', alertId: 'test.req-1', failed: [] });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.map((alert) => [alert.alertId, alert.portoutId, alert.covers, alert.rendered.attributes.eventType])).toEqual([
      ['test.req-1', null, ['test.req-1'], 'test'],
    ]);
  });

  it('says so when the alert was not accepted', async () => {
    const { notifier } = recording(false);
    const report = await sendTestAlert(notifier, { now: NOW, deadline: 1_000, runId: 'req-2', render: {} });
    expect(report).toEqual({ outcome: 'test-alert-failed', alertId: 'test.req-2', failed: [{ alertId: 'test.req-2', reason: 'Throttled' }] });
  });
});
