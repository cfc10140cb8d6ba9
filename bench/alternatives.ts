/**
 * What a user could write instead of the poller's adapters, measured beside them:
 * (a) the SDK's own sequential `for await` auto-pagination, feeding the same diff, store and notifier;
 * (b) one strongly consistent GetItem per listed port-out and one Publish (and one PutItem) per event; it reuses
 *     our listing, diff and rendering, so only the DynamoDB and SNS access differs.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import Telnyx from 'telnyx';
import { PAGE_SIZE } from '../functions/poller/adapters/telnyx-source.ts';
import { parsePortoutItem } from '../functions/poller/adapters/telnyx-portout-schema.ts';
import { toBatchEntry } from '../functions/poller/adapters/sns-notifier.ts';
import { diffPortouts, stateChangeFor, type DiffOptions } from '../functions/poller/core/diff.ts';
import { planAlerts, type PlannedEvent } from '../functions/poller/core/plan-alerts.ts';
import type { AlertPolicy } from '../functions/poller/core/policy.ts';
import { isKnownStatus, isWatchedStatus, WATCHED_STATUSES, type Portout } from '../functions/poller/core/portout.ts';
import type { InvalidPortout, PortoutSource, TrackedPortout } from '../functions/poller/core/ports.ts';
import { STATE_TABLE } from '../functions/poller/state-table.ts';

/**
 * (a) The SDK's auto-pager, with the SDK's default retries and timeout, as its README shows it, in place of our
 * watched listing. The other queries (born-rejected, comments, lookups) still go through `ours`.
 */
export function createSdkAutoPagerSource(options: {
  baseURL: string;
  apiKey: string;
  fetch: typeof fetch;
  ours: PortoutSource;
}): PortoutSource {
  let requests = 0;
  const telnyx = new Telnyx({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    logLevel: 'off',
    fetch: (input, init) => {
      requests += 1;
      return options.fetch(input, init);
    },
  });
  return {
    ...options.ours,
    requestCount: () => requests + options.ours.requestCount(),

    async listWatchedPortouts() {
      const before = requests;
      const portouts: Portout[] = [];
      const invalid: InvalidPortout[] = [];
      let unwatchedDropped = 0;
      for await (const item of telnyx.portouts.list({ filter: { status_in: [...WATCHED_STATUSES] }, 'page[size]': PAGE_SIZE })) {
        const parsed = parsePortoutItem(item);
        if (!parsed.ok) invalid.push({ id: parsed.id, problem: parsed.problem });
        else if (isWatchedStatus(parsed.portout.status)) portouts.push(parsed.portout);
        else unwatchedDropped += 1;
      }
      return { portouts, invalid, unwatchedDropped, complete: true, failures: [], pagesFetched: requests - before };
    },
  };
}

export interface PerItemPollOptions {
  source: PortoutSource;
  doc: DynamoDBDocumentClient;
  tableName: string;
  sns: SNSClient;
  topicArn: string;
  policy: AlertPolicy;
  now: Date;
  deadline: number;
}

export interface PerItemPollReport {
  watched: number;
  events: number;
  messages: number;
  published: number;
  recorded: number;
  telnyxRequests: number;
}

const OPEN = 'OPEN';

/**
 * (b) The straightforward loop: list, then per port-out a GetItem; per event a Publish and a PutItem, one at a time.
 * It never reads records that are not listed, so it cannot notice a port-out that left the watched set.
 */
export async function runPerItemPoll(options: PerItemPollOptions): Promise<PerItemPollReport> {
  const { doc, tableName, now } = options;
  const requestsBefore = options.source.requestCount();
  const listing = await options.source.listWatchedPortouts(options.deadline);
  const tracked = new Map<string, TrackedPortout>();
  for (const portout of listing.portouts) {
    const { Item: item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { [STATE_TABLE.partitionKey]: OPEN, [STATE_TABLE.sortKey]: portout.id },
        ConsistentRead: true,
      }),
    );
    if (item && isKnownStatus(item.status) && typeof item.version === 'number') {
      tracked.set(portout.id, {
        id: portout.id,
        status: item.status,
        version: item.version,
        focDate: typeof item.focDate === 'string' ? item.focDate : null,
        phoneNumbers: Array.isArray(item.phoneNumbers) ? item.phoneNumbers : [],
        supportKey: typeof item.supportKey === 'string' ? item.supportKey : null,
        remindedHours: Array.isArray(item.remindedHours) ? item.remindedHours : [],
        lastCommentAt: typeof item.lastCommentAt === 'string' ? item.lastCommentAt : null,
      });
    }
  }
  const diffOptions: DiffOptions = { now, reminderHours: options.policy.reminderHours, comments: null };
  const { events } = diffPortouts(listing.portouts, tracked, { complete: false, unreadableIds: new Set() }, diffOptions);
  const { planned, alerts } = planAlerts(
    events,
    { firstRun: false, now },
    { firstRunSummary: false, digestThreshold: Infinity },
    options.policy.render,
  );
  let published = 0;
  let recorded = 0;
  for (const [index, alert] of alerts.entries()) {
    const { Id: _entryId, ...message } = toBatchEntry(alert, 0);
    await options.sns.send(new PublishCommand({ TopicArn: options.topicArn, ...message }));
    published += 1;
    const change = stateChangeFor((planned[index] as PlannedEvent).event, diffOptions);
    if (change.kind !== 'upsert-open') throw new Error('the per-item alternative only records open port-outs');
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          [STATE_TABLE.partitionKey]: OPEN,
          [STATE_TABLE.sortKey]: change.record.id,
          status: change.record.status,
          focDate: change.record.focDate,
          phoneNumbers: change.record.phoneNumbers,
          supportKey: change.record.supportKey,
          remindedHours: change.record.remindedHours,
          lastCommentAt: change.record.lastCommentAt,
          version: change.record.version,
          recordedAt: now.toISOString(),
        },
        ...(change.expectedVersion === null
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey } }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': change.expectedVersion },
            }),
      }),
    );
    recorded += 1;
  }
  return {
    watched: listing.portouts.length,
    events: events.length,
    messages: alerts.length,
    published,
    recorded,
    telnyxRequests: options.source.requestCount() - requestsBefore,
  };
}
