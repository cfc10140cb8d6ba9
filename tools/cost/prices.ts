/**
 * AWS list prices `npm run cost` uses: us-east-1, on-demand, in USD. One table, one date; each price names the page
 * it comes from. `checked` marks the prices checked against the pricing pages for /work/shared/aws-notes.md; the
 * others are as the deploy guide had them. Re-check all of them before quoting a figure to anyone.
 */
export const PRICES_AS_OF = '2026-12-01';
export const PRICES_REGION = 'us-east-1';

export interface UnitPrice {
  usd: number;
  unit: string;
  /** What the always-free tier gives an account each month, in the same unit. */
  freeEachMonth?: number;
  source: string;
  checked: boolean;
}

const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';

export const PRICES = {
  customMetric: { usd: 0.3, unit: 'metric-month, prorated by the hour it is sent in', freeEachMonth: 10, source: CLOUDWATCH, checked: true },
  alarmMetric: { usd: 0.1, unit: 'metric a standard-resolution alarm reads, a month', freeEachMonth: 10, source: CLOUDWATCH, checked: true },
  highResolutionAlarmMetric: { usd: 0.3, unit: 'metric a high-resolution alarm reads, a month', source: CLOUDWATCH, checked: false },
  dashboard: { usd: 3, unit: 'dashboard-month', freeEachMonth: 3, source: CLOUDWATCH, checked: true },
  logIngestion: { usd: 0.5, unit: 'GB ingested (standard class)', freeEachMonth: 5, source: CLOUDWATCH, checked: false },
  logStorage: { usd: 0.03, unit: 'GB-month stored', source: CLOUDWATCH, checked: false },
  kmsKey: { usd: 1, unit: 'customer-managed key-month', source: 'https://aws.amazon.com/kms/pricing/', checked: true },
  /** Each of a key's first two automatic rotations adds this for good; later rotations add nothing. */
  kmsRotation: { usd: 1, unit: 'key-month for each of the first two rotations', source: 'https://aws.amazon.com/kms/pricing/', checked: false },
  kmsRequests: { usd: 0.03, unit: '10,000 requests', freeEachMonth: 2, source: 'https://aws.amazon.com/kms/pricing/', checked: false },
  secret: { usd: 0.4, unit: 'secret-month', source: 'https://aws.amazon.com/secrets-manager/pricing/', checked: true },
  secretCalls: { usd: 0.05, unit: '10,000 API calls', source: 'https://aws.amazon.com/secrets-manager/pricing/', checked: false },
  ssmStandardParameter: { usd: 0, unit: 'standard parameter-month (SecureString under aws/ssm)', source: 'https://aws.amazon.com/systems-manager/pricing/', checked: true },
  lambdaArmGbSecond: { usd: 0.0000133334, unit: 'GB-second (arm64)', freeEachMonth: 400_000, source: 'https://aws.amazon.com/lambda/pricing/', checked: false },
  lambdaRequests: { usd: 0.2, unit: 'million requests', freeEachMonth: 1, source: 'https://aws.amazon.com/lambda/pricing/', checked: false },
  schedulerInvocations: { usd: 1, unit: 'million invocations', freeEachMonth: 14, source: 'https://aws.amazon.com/eventbridge/pricing/', checked: false },
  dynamoReads: { usd: 0.125, unit: 'million read request units (on demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', checked: false },
  dynamoWrites: { usd: 0.625, unit: 'million write request units (on demand)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', checked: false },
  dynamoStorage: { usd: 0.25, unit: 'GB-month', freeEachMonth: 25, source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', checked: false },
  dynamoPitr: { usd: 0.2, unit: 'GB-month of point-in-time recovery', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', checked: false },
  snsPublishes: { usd: 0.5, unit: 'million publishes (64 KB each)', freeEachMonth: 1, source: 'https://aws.amazon.com/sns/pricing/', checked: false },
  snsEmail: { usd: 2, unit: '100,000 email notifications', freeEachMonth: 0.01, source: 'https://aws.amazon.com/sns/pricing/', checked: false },
  sqsRequests: { usd: 0.4, unit: 'million requests', freeEachMonth: 1, source: 'https://aws.amazon.com/sqs/pricing/', checked: false },
} as const satisfies Record<string, UnitPrice>;

export type PriceName = keyof typeof PRICES;
