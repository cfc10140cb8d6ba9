import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hintFromKey, hintKey, type Doorbell, type DoorbellHint } from '../core/doorbell.ts';
import { STATE_TABLE } from '../state-table.ts';

/** One item beside the lease; a poll's Query reads only `pk = OPEN`, so it never sees it. */
export const DOORBELL_KEY = { [STATE_TABLE.partitionKey]: 'DOORBELL', [STATE_TABLE.sortKey]: 'webhook' } as const;

const isConditionalFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/**
 * The doorbell in the state table: waiting hints as a string set (a duplicate delivery adds nothing), a ring
 * counter, and who answers until when. Each ring is one UpdateItem; a session's claim, take and release one each.
 */
export function createDynamoDoorbell({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): Doorbell {
  return {
    async ring(hint, nowMs) {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: DOORBELL_KEY,
          UpdateExpression: 'ADD #hints :hint, #rings :one SET #rungAt = :now',
          ExpressionAttributeNames: { '#hints': 'hints', '#rings': 'rings', '#rungAt': 'rungAt' },
          ExpressionAttributeValues: { ':hint': new Set([hintKey(hint)]), ':one': 1, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { answering: numberOr(result.Attributes?.answeringUntil, 0) > nowMs };
    },

    async claim(holder, nowMs, untilMs) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: DOORBELL_KEY,
            UpdateExpression: 'SET #holder = :holder, #until = :until',
            ConditionExpression: 'attribute_not_exists(#until) OR #until <= :now',
            ExpressionAttributeNames: { '#holder': 'holder', '#until': 'answeringUntil' },
            ExpressionAttributeValues: { ':holder': holder, ':until': untilMs, ':now': nowMs },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { claimed: true, lastPollAt: numberOr(result.Attributes?.lastPollAt, -Infinity) };
      } catch (error) {
        if (isConditionalFailure(error)) return { claimed: false, lastPollAt: -Infinity };
        throw error;
      }
    },

    async take() {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: DOORBELL_KEY,
          UpdateExpression: 'REMOVE #hints',
          ExpressionAttributeNames: { '#hints': 'hints' },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const keys = result.Attributes?.hints instanceof Set ? [...(result.Attributes.hints as Set<string>)] : [];
      return {
        hints: keys.map(hintFromKey).filter((hint): hint is DoorbellHint => hint !== null),
        rings: numberOr(result.Attributes?.rings, 0),
      };
    },

    async release(holder, rings, lastPollAt) {
      const names: Record<string, string> = { '#holder': 'holder', '#until': 'answeringUntil', '#last': 'lastPollAt' };
      const values: Record<string, unknown> = { ':holder': holder, ':zero': 0, ':last': Number.isFinite(lastPollAt) ? lastPollAt : 0 };
      let condition = '#holder = :holder';
      if (rings !== undefined) {
        names['#rings'] = 'rings';
        values[':rings'] = rings;
        condition += ' AND (#rings = :rings OR (attribute_not_exists(#rings) AND :rings = :zero))';
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: DOORBELL_KEY,
            UpdateExpression: 'SET #until = :zero, #last = :last',
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'released';
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
        // The document client leaves the failed item marshalled: { holder: { S: '…' } }.
        const old = (error as { Item?: Record<string, unknown> }).Item?.holder;
        return old === holder || (old as { S?: unknown } | undefined)?.S === holder ? 'rung' : 'lost';
      }
    },
  };
}
