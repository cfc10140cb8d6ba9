import {
  PublishBatchCommand,
  SNSClient,
  ThrottledException,
  type BatchResultErrorEntry,
  type PublishBatchCommandInput,
  type PublishBatchRequestEntry,
  type PublishBatchResponse,
  type PublishBatchResultEntry,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSnsNotifier, planBatches, toBatchEntry, type ChatTopic } from '../../../../functions/poller/adapters/sns-notifier.ts';
import type { PortoutEvent, RenderedAlert } from '../../../../functions/poller/core/model.ts';
import type { OutgoingAlert } from '../../../../functions/poller/core/ports.ts';
import { renderAlert } from '../../../../functions/poller/core/say/render.ts';
import { portout } from '../../../support/factories.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-alerts';
const NOW = new Date('2026-11-28T12:00:00.000Z');
const MAX_REQUEST_BYTES = 256 * 1024;

const sns = mockClient(SNSClient);

beforeEach(() => {
  sns.reset();
});

function outgoingAlert(alertId: string, overrides: { reason?: string; rendered?: RenderedAlert } = {}): OutgoingAlert {
  const listed = portout({ id: `po-${alertId}`, reason: overrides.reason ?? null });
  return {
    alertId,
    portoutId: listed.id,
    covers: [alertId],
    rendered: overrides.rendered ?? renderAlert({ type: 'new', portout: listed, comments: [] }, alertId, NOW),
  };
}

function alerts(count: number): OutgoingAlert[] {
  return Array.from({ length: count }, (_, index) => outgoingAlert(`alert-${index + 1}`));
}

function alertIdOf(entry: PublishBatchRequestEntry): string {
  const message = JSON.parse(entry.Message ?? '{}') as { default: string };
  return (JSON.parse(message.default) as { alertId: string }).alertId;
}

function entriesOf(input: PublishBatchCommandInput): PublishBatchRequestEntry[] {
  return input.PublishBatchRequestEntries ?? [];
}

/** The alert ids sent in each PublishBatch call, in call order. */
function sentAlertIds(): string[][] {
  return sns.commandCalls(PublishBatchCommand).map((call) => entriesOf(call.args[0].input).map(alertIdOf));
}

type EntryOutcome = 'accepted' | 'unanswered' | { code: string; senderFault: boolean };

/** SNS answering 200 per entry; `outcome` sees the alert and how many times that alert has been sent. */
function snsAnswering(outcome: (alertId: string, attempt: number) => EntryOutcome) {
  const attempts = new Map<string, number>();
  sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput): PublishBatchResponse => {
    const successful: PublishBatchResultEntry[] = [];
    const failed: BatchResultErrorEntry[] = [];
    for (const entry of entriesOf(input)) {
      const alertId = alertIdOf(entry);
      const attempt = (attempts.get(alertId) ?? 0) + 1;
      attempts.set(alertId, attempt);
      const answer = outcome(alertId, attempt);
      if (answer === 'accepted') successful.push({ Id: entry.Id, MessageId: `msg-${alertId}-${attempt}` });
      else if (answer !== 'unanswered') {
        failed.push({ Id: entry.Id, Code: answer.code, SenderFault: answer.senderFault, Message: answer.code });
      }
    }
    return { Successful: successful, Failed: failed };
  });
}

/** A clock that only moves when the notifier sleeps, so waits and deadlines are exact. */
function fakeTime(startMs = 0) {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    now: () => now,
  };
}

function notifier(time = fakeTime()) {
  return createSnsNotifier({ client: new SNSClient({}), topicArn: TOPIC_ARN, clock: time.clock, sleep: time.sleep });
}

const FAR_DEADLINE = 60_000;

describe('toBatchEntry', () => {
  it('sends each channel its own text under MessageStructure json, with the subject and filterable attributes', () => {
    const rendered: RenderedAlert = {
      subject: 'New port-out request: +13035551212',
      sms: 'New port-out request +13035551212 (pending) PO_764725',
      email: 'New port-out request: pending\nNumbers: +13035551212',
      json: { schema: 'portout-watch.alert/v1', alertId: 'alert-1', type: 'new' },
      chat: { version: '1.0', source: 'custom', id: 'alert-1' },
      attributes: { eventType: 'new', status: 'pending', countryCodes: ['US', 'CA'] },
    };

    const entry = toBatchEntry(outgoingAlert('alert-1', { rendered }), 3);

    expect(entry).toEqual({
      Id: 'e3',
      Subject: 'New port-out request: +13035551212',
      MessageStructure: 'json',
      Message: JSON.stringify({
        default: '{"schema":"portout-watch.alert/v1","alertId":"alert-1","type":"new"}',
        email: 'New port-out request: pending\nNumbers: +13035551212',
        sms: 'New port-out request +13035551212 (pending) PO_764725',
      }),
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'new' },
        status: { DataType: 'String', StringValue: 'pending' },
        countryCodes: { DataType: 'String.Array', StringValue: '["US","CA"]' },
      },
    });
    expect(Object.keys(JSON.parse(entry.Message ?? '{}') as object)).toEqual(['default', 'email', 'sms']);
  });

  it('carries the account as a String attribute, so a subscription can filter on it', () => {
    const listed = portout({ id: 'po-1' });
    const rendered = renderAlert({ type: 'new', portout: listed, comments: [] }, 'a1', NOW, { account: { name: 'brand-eu', label: 'brand-eu' } });

    const entry = toBatchEntry({ alertId: 'a1', portoutId: listed.id, covers: ['a1'], rendered }, 0);

    expect(entry.MessageAttributes?.account).toEqual({ DataType: 'String', StringValue: 'brand-eu' });
  });

  it('publishes a rendered alert to the topic exactly as rendered', async () => {
    snsAnswering(() => 'accepted');
    const alert = outgoingAlert('alert-1');

    await notifier().publish([alert], FAR_DEADLINE);

    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishBatchCommand, {
      TopicArn: TOPIC_ARN,
      PublishBatchRequestEntries: [
        {
          Id: 'e0',
          Subject: alert.rendered.subject,
          MessageStructure: 'json',
          Message: JSON.stringify({
            default: JSON.stringify(alert.rendered.json),
            email: alert.rendered.email,
            sms: alert.rendered.sms,
          }),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: 'new' },
            status: { DataType: 'String', StringValue: 'pending' },
            previousStatus: { DataType: 'String', StringValue: 'none' },
            countryCodes: { DataType: 'String.Array', StringValue: '["US"]' },
          },
        },
      ],
    });
  });
});

describe('planBatches', () => {
  it('packs 23 small alerts into the fewest requests: 10, 10 and 3', () => {
    const batches = planBatches(alerts(23));

    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((alert) => alert.alertId)).toEqual(alerts(23).map((alert) => alert.alertId));
  });

  it('starts a new request before the 256 KiB request cap, even with fewer than 10 entries', () => {
    // About 100 KB each: two fit under 256 KiB, three do not.
    const large = Array.from({ length: 5 }, (_, index) => outgoingAlert(`big-${index + 1}`, { reason: 'x'.repeat(100_000) }));

    const batches = planBatches(large);

    expect(batches.map((batch) => batch.map((alert) => alert.alertId))).toEqual([
      ['big-1', 'big-2'],
      ['big-3', 'big-4'],
      ['big-5'],
    ]);
    for (const batch of batches) {
      const bytes = batch
        .map((alert, index) => toBatchEntry(alert, index))
        .reduce((sum, entry) => sum + Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    }
  });

  it('plans nothing for no alerts', () => {
    expect(planBatches([])).toEqual([]);
  });
});

describe('createSnsNotifier', () => {
  it('delivers 23 alerts in 3 PublishBatch calls of 10, 10 and 3', async () => {
    snsAnswering(() => 'accepted');
    const sent = alerts(23);

    const result = await notifier().publish(sent, FAR_DEADLINE);

    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(sentAlertIds().map((ids) => ids.length)).toEqual([10, 10, 3]);
    expect([...result.delivered].sort()).toEqual(sent.map((alert) => alert.alertId).sort());
    expect(result.failed).toEqual([]);
  });

  it('makes no call when there is nothing to publish', async () => {
    snsAnswering(() => 'accepted');

    const result = await notifier().publish([], FAR_DEADLINE);

    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 0);
    expect(result).toEqual({ delivered: [], failed: [] });
  });

  it('retries entries SNS failed on its side, and reports sender faults failed without retrying them', async () => {
    snsAnswering((alertId, attempt) => {
      if (alertId === 'throttled' && attempt === 1) return { code: 'Throttled', senderFault: false };
      if (alertId === 'internal' && attempt === 1) return { code: 'InternalError', senderFault: false };
      if (alertId === 'bad-parameter') return { code: 'InvalidParameter', senderFault: true };
      return 'accepted';
    });
    const time = fakeTime();

    const result = await notifier(time).publish(
      [outgoingAlert('ok'), outgoingAlert('throttled'), outgoingAlert('bad-parameter'), outgoingAlert('internal')],
      FAR_DEADLINE,
    );

    expect(sentAlertIds()).toEqual([
      ['ok', 'throttled', 'bad-parameter', 'internal'],
      ['throttled', 'internal'],
    ]);
    expect(result.delivered).toEqual(['ok', 'throttled', 'internal']);
    expect(result.failed).toEqual([{ alertId: 'bad-parameter', reason: 'InvalidParameter (sender fault)' }]);
    expect(time.sleeps).toEqual([400]);
  });

  it('renumbers the retried entries within the new request', async () => {
    snsAnswering((alertId, attempt) => (alertId === 'second' && attempt === 1 ? { code: 'Throttled', senderFault: false } : 'accepted'));

    await notifier().publish([outgoingAlert('first'), outgoingAlert('second')], FAR_DEADLINE);

    const ids = sns.commandCalls(PublishBatchCommand).map((call) => entriesOf(call.args[0].input).map((entry) => entry.Id));
    expect(ids).toEqual([['e0', 'e1'], ['e0']]);
  });

  it('retries an entry SNS answered neither way', async () => {
    snsAnswering((alertId, attempt) => (alertId === 'silent' && attempt === 1 ? 'unanswered' : 'accepted'));

    const result = await notifier().publish([outgoingAlert('heard'), outgoingAlert('silent')], FAR_DEADLINE);

    expect(sentAlertIds()).toEqual([['heard', 'silent'], ['silent']]);
    expect(result).toEqual({ delivered: ['heard', 'silent'], failed: [] });
  });

  it('gives up on an entry SNS keeps failing after 3 attempts, with that entry’s own reason', async () => {
    snsAnswering((alertId) => {
      if (alertId === 'always-throttled') return { code: 'Throttled', senderFault: false };
      if (alertId === 'never-answered') return 'unanswered';
      return 'accepted';
    });
    const time = fakeTime();

    const result = await notifier(time).publish(
      [outgoingAlert('always-throttled'), outgoingAlert('never-answered'), outgoingAlert('ok')],
      FAR_DEADLINE,
    );

    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(result.delivered).toEqual(['ok']);
    expect(result.failed).toEqual([
      { alertId: 'always-throttled', reason: 'Throttled' },
      { alertId: 'never-answered', reason: 'no answer for this entry' },
    ]);
    expect(time.sleeps).toEqual([400, 800]);
  });

  it('reports every alert failed, none delivered, when SNS is down for every attempt', async () => {
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'ECONNREFUSED' }));
    const sent = alerts(23);
    const time = fakeTime();

    const result = await notifier(time).publish(sent, FAR_DEADLINE);

    // 3 requests, each tried 3 times.
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 9);
    expect(result.delivered).toEqual([]);
    expect(result.failed.map((failure) => failure.alertId).sort()).toEqual(sent.map((alert) => alert.alertId).sort());
    expect(new Set(result.failed.map((failure) => failure.reason))).toEqual(new Set(['ECONNREFUSED']));
  });

  it('delivers after the whole request is throttled once', async () => {
    sns
      .on(PublishBatchCommand)
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .callsFake((input: PublishBatchCommandInput): PublishBatchResponse => ({
        Successful: entriesOf(input).map((entry) => ({ Id: entry.Id, MessageId: `msg-${entry.Id}` })),
        Failed: [],
      }));
    const time = fakeTime();

    const result = await notifier(time).publish([outgoingAlert('a'), outgoingAlert('b')], FAR_DEADLINE);

    expect(sentAlertIds()).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(result).toEqual({ delivered: ['a', 'b'], failed: [] });
    expect(time.sleeps).toEqual([400]);
  });

  it('reports failed entries at once, without sleeping, when the next wait would pass the deadline', async () => {
    snsAnswering(() => ({ code: 'Throttled', senderFault: false }));
    const deadline = 10_000;
    // The first retry would wait 400 ms; only 300 ms are left.
    const time = fakeTime(deadline - 300);

    const result = await notifier(time).publish([outgoingAlert('a'), outgoingAlert('b')], deadline);

    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(time.sleeps).toEqual([]);
    expect(result).toEqual({
      delivered: [],
      failed: [
        { alertId: 'a', reason: 'Throttled' },
        { alertId: 'b', reason: 'Throttled' },
      ],
    });
  });

  it('retries while the waits fit before the deadline, then stops without sleeping past it', async () => {
    snsAnswering(() => ({ code: 'InternalError', senderFault: false }));
    const deadline = 1_000;
    const time = fakeTime(0);

    const result = await notifier(time).publish([outgoingAlert('a')], deadline);

    // 0 + 400 fits; 400 + 800 would end past 1000.
    expect(time.sleeps).toEqual([400]);
    expect(time.now()).toBeLessThanOrEqual(deadline);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
    expect(result).toEqual({ delivered: [], failed: [{ alertId: 'a', reason: 'InternalError' }] });
  });
});

describe('createSnsNotifier: chat topics', () => {
  const CHAT_ALL = 'arn:aws:sns:us-east-1:123456789012:portout-chat-all';
  const CHAT_FRAUD = 'arn:aws:sns:us-east-1:123456789012:portout-chat-fraud';

  /** An alert as planAlerts makes it: for people and machines, or for one of them on a grouped run. */
  function planned(alertId: string, audience: string[], event: 'new' | 'possible-fraud' = 'new', account?: string): OutgoingAlert {
    const listed = portout({ id: `po-${alertId}`, status: event === 'new' ? 'pending' : 'rejected' });
    const options = account === undefined ? {} : { account: { name: account, label: account } };
    const rendered = renderAlert({ type: event, portout: listed, comments: [] } as PortoutEvent, alertId, NOW, options);
    return { alertId, portoutId: listed.id, covers: [alertId], rendered: { ...rendered, attributes: { ...rendered.attributes, audience } } };
  }
  const both = ['people', 'machines'];

  /** SNS accepting everything except what `refuse` names, per topic; records (topic, alert id) per call. */
  function snsByTopic(refuse: (topicArn: string, alertId: string) => boolean = () => false) {
    const calls: Array<{ topic: string; alertIds: string[] }> = [];
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput): PublishBatchResponse => {
      const topic = input.TopicArn ?? '';
      const entries = entriesOf(input);
      const ids = entries.map((entry) => {
        const message = JSON.parse(entry.Message ?? '{}') as { default?: string; id?: string };
        return message.default === undefined ? (message.id ?? '') : (JSON.parse(message.default) as { alertId: string }).alertId;
      });
      calls.push({ topic, alertIds: ids });
      return {
        Successful: entries.filter((_, i) => !refuse(topic, ids[i] ?? '')).map((entry) => ({ Id: entry.Id, MessageId: 'm' })),
        Failed: entries
          .filter((_, i) => refuse(topic, ids[i] ?? ''))
          .map((entry) => ({ Id: entry.Id, Code: 'InvalidParameter', SenderFault: true })),
      };
    });
    return calls;
  }

  const chatNotifier = (chatTopics: ChatTopic[]) =>
    createSnsNotifier({ client: new SNSClient({}), topicArn: TOPIC_ARN, chatTopics, clock: fakeTime().clock, sleep: fakeTime().sleep });

  it('with no chat configured, makes no SNS call beyond the alert topic’s', async () => {
    const calls = snsByTopic();
    const sent = Array.from({ length: 23 }, (_, index) => planned(`a${index}`, both));

    const result = await createSnsNotifier({ client: new SNSClient({}), topicArn: TOPIC_ARN }).publish(sent, FAR_DEADLINE);

    expect(calls.map((call) => call.topic)).toEqual([TOPIC_ARN, TOPIC_ARN, TOPIC_ARN]);
    expect(result.delivered).toHaveLength(23);
  });

  it('with one chat topic, costs one PublishBatch per 10 alerts for people on top: 23 alerts, 3 + 3 calls', async () => {
    const calls = snsByTopic();
    const sent = Array.from({ length: 23 }, (_, index) => planned(`a${index}`, both));

    const result = await chatNotifier([{ topicArn: CHAT_ALL }]).publish(sent, FAR_DEADLINE);

    expect(calls.map((call) => [call.topic, call.alertIds.length])).toEqual([
      [TOPIC_ARN, 10],
      [TOPIC_ARN, 10],
      [TOPIC_ARN, 3],
      [CHAT_ALL, 10],
      [CHAT_ALL, 10],
      [CHAT_ALL, 3],
    ]);
    expect(result.delivered).toHaveLength(23);
  });

  it('sends chat exactly the chat rendering, and the alert topic keeps its message without it', async () => {
    snsByTopic();
    const alert = planned('a1', both);

    await chatNotifier([{ topicArn: CHAT_ALL }]).publish([alert], FAR_DEADLINE);

    const inputs = sns.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.TopicArn)).toEqual([TOPIC_ARN, CHAT_ALL]);
    const [main, chat] = inputs.map((input) => entriesOf(input)[0]);
    expect(Object.keys(JSON.parse(main?.Message ?? '{}') as object)).toEqual(['default', 'email', 'sms']);
    expect(chat).toEqual({
      Id: 'e0',
      Message: JSON.stringify(alert.rendered.chat),
      MessageAttributes: toBatchEntry(alert, 0).MessageAttributes,
    });
  });

  it('sends chat what people get: a grouped run’s digest, not the per-event documents for machines', async () => {
    const calls = snsByTopic();
    const sent = [planned('digest.1', ['people']), planned('a1', ['machines']), planned('a2', ['machines'])];

    const result = await chatNotifier([{ topicArn: CHAT_ALL }]).publish(sent, FAR_DEADLINE);

    expect(calls).toEqual([
      { topic: TOPIC_ARN, alertIds: ['digest.1', 'a1', 'a2'] },
      { topic: CHAT_ALL, alertIds: ['digest.1'] },
    ]);
    expect(result).toEqual({ delivered: ['digest.1', 'a1', 'a2'], failed: [], partlyDelivered: [] });
  });

  it('applies each chat topic’s filter policy as SNS would for an email subscription', async () => {
    const calls = snsByTopic();
    const sent = [planned('new-1', both), planned('fraud-1', both, 'possible-fraud')];

    await chatNotifier([{ topicArn: CHAT_ALL }, { topicArn: CHAT_FRAUD, filterPolicy: { eventType: ['possible-fraud'] } }]).publish(
      sent,
      FAR_DEADLINE,
    );

    expect(calls).toContainEqual({ topic: CHAT_ALL, alertIds: ['new-1', 'fraud-1'] });
    expect(calls).toContainEqual({ topic: CHAT_FRAUD, alertIds: ['fraud-1'] });
    expect(calls).toHaveLength(3);
  });

  it('routes a chat channel by account, as a filter policy on `account` would', async () => {
    const chatEu = 'arn:aws:sns:us-east-1:123456789012:portout-chat-eu';
    const calls = snsByTopic();
    const sent = [planned('eu-1', both, 'new', 'brand-eu'), planned('us-1', both, 'new', 'brand-us')];

    await chatNotifier([{ topicArn: chatEu, filterPolicy: { account: ['brand-eu'] } }]).publish(sent, FAR_DEADLINE);

    expect(calls).toEqual([
      { topic: TOPIC_ARN, alertIds: ['eu-1', 'us-1'] },
      { topic: chatEu, alertIds: ['eu-1'] },
    ]);
  });

  it('counts an alert delivered only when its chat topics accepted it too, so the next run sends it again', async () => {
    const calls = snsByTopic((topic, alertId) => topic === CHAT_ALL && alertId === 'refused-by-chat');
    const sent = [planned('ok', both), planned('refused-by-chat', both)];

    const result = await chatNotifier([{ topicArn: CHAT_ALL }]).publish(sent, FAR_DEADLINE);

    expect(calls).toEqual([
      { topic: TOPIC_ARN, alertIds: ['ok', 'refused-by-chat'] },
      { topic: CHAT_ALL, alertIds: ['ok', 'refused-by-chat'] },
    ]);
    expect(result).toEqual({
      delivered: ['ok'],
      failed: [{ alertId: 'refused-by-chat', reason: 'chat topic: InvalidParameter (sender fault)' }],
      partlyDelivered: ['refused-by-chat'],
    });
  });

  it('sends chat nothing the alert topic refused: that alert is sent again next run, on every topic', async () => {
    const calls = snsByTopic((topic, alertId) => topic === TOPIC_ARN && alertId === 'refused');

    const result = await chatNotifier([{ topicArn: CHAT_ALL }]).publish([planned('ok', both), planned('refused', both)], FAR_DEADLINE);

    expect(calls[1]).toEqual({ topic: CHAT_ALL, alertIds: ['ok'] });
    expect(result.failed).toEqual([{ alertId: 'refused', reason: 'InvalidParameter (sender fault)' }]);
  });
});
