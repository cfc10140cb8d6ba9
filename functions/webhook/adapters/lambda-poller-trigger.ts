import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { WebhookTrigger } from '../../poller/core/doorbell.ts';

/**
 * Invokes the poller asynchronously (InvocationType Event): Lambda queues the event and answers 202 at once,
 * so the receiver replies to Telnyx well inside its ~2 s retry threshold whatever the poll takes.
 */
export function createLambdaPollerTrigger({ client, functionName }: { client: LambdaClient; functionName: string }) {
  return {
    async triggerPoll(trigger: WebhookTrigger): Promise<void> {
      const result = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(trigger)),
        }),
      );
      if (result.StatusCode !== 202) throw new Error(`Lambda answered ${result.StatusCode ?? 'nothing'} to the asynchronous invoke, not 202`);
    },
  };
}
