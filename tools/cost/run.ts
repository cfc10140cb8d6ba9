/**
 * `npm run cost`: synthesizes the stack offline and prints its monthly cost at list prices, itemized, from the
 * template, the custom metrics the poller declares (telemetry.ts) and the usage assumptions (estimate.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../../lib/config.ts';
import { DEFAULT_ASSUMPTIONS, estimateMonthlyCost, type Estimate, type UsageAssumptions } from './estimate.ts';
import { PRICES, PRICES_AS_OF, PRICES_REGION } from './prices.ts';
import { DEFAULT_DEPLOYMENT, fleetDeployment, synthesizeTemplates } from './synth.ts';

const USAGE = `Usage: npm run cost [-- options]

  (no options)       the default deployment: one email and one SMS subscription, an alarm email, every default
  --stage NAME       the stack \`cdk synth -c stages=NAME\` builds (config/NAME.json over cdk.json)
  --cdk-json         the stack \`cdk synth\` builds from cdk.json alone
  --alerts N         alert messages a month (default ${DEFAULT_ASSUMPTIONS.alertsPerMonth})
  --alert-runs N     runs a month that publish alerts (default ${DEFAULT_ASSUMPTIONS.alertRunsPerMonth})
  --fault-hours N    hours a month in which something fails (default ${DEFAULT_ASSUMPTIONS.faultHoursPerMonth})
  -h, --help         show this help
`;

const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;
/** Unit prices as the pricing pages print them: $0.0000133334, $0.125, $3.00. */
const unitUsd = (value: number) => `$${Number(value.toFixed(2)) === value ? value.toFixed(2) : String(Number(value.toPrecision(6)))}`;
const quantity = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(3));

export function renderEstimate(title: string, estimate: Estimate, usage: UsageAssumptions): string {
  const rows = estimate.lines.map(
    (line) => `| ${line.service} | ${line.item} | ${quantity(line.quantity)} × ${unitUsd(PRICES[line.price].usd)} per ${PRICES[line.price].unit} | ${usd(line.monthly)} |`,
  );
  return [
    `## ${title}`,
    '',
    `List prices (${PRICES_REGION}, as of ${PRICES_AS_OF}; tools/cost/prices.ts names each page). Assumed a month: ${usage.alertsPerMonth} alerts in ${usage.alertRunsPerMonth} runs, ${usage.faultHoursPerMonth} hours with a fault, ${usage.billedMsPerRun} ms billed a run, ${usage.logBytesPerRun} log bytes a run, ${usage.coldStartsPerMonth} cold starts.`,
    '',
    '| service | what | quantity × unit price | per month |',
    '|---|---|---|--:|',
    ...rows,
    `| **total** | at list prices, first year | | **${usd(estimate.total)}** |`,
    `| | with the account's always-free tiers | | ${usd(estimate.totalWithFreeTier)} |`,
    ...(estimate.afterTwoRotations > 0
      ? [`| | from the third year: each rotating key's first two rotations add $1 a month each | | ${usd(estimate.total + estimate.afterTwoRotations)} |`]
      : []),
    '',
    ...estimate.notes.map((note) => `- ${note}`),
  ].join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      'cdk-json': { type: 'boolean', default: false },
      accounts: { type: 'string' },
      managed: { type: 'boolean', default: false },
      'billed-ms': { type: 'string' },
      alerts: { type: 'string' },
      'alert-runs': { type: 'string' },
      'fault-hours': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const count = (value: string | undefined, name: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new ConfigError(`--${name} must be a whole number, e.g. --${name} ${fallback}`);
    return Number(value);
  };
  const usage: UsageAssumptions = {
    ...DEFAULT_ASSUMPTIONS,
    alertsPerMonth: count(values.alerts, 'alerts', DEFAULT_ASSUMPTIONS.alertsPerMonth),
    alertRunsPerMonth: count(values['alert-runs'], 'alert-runs', DEFAULT_ASSUMPTIONS.alertRunsPerMonth),
    faultHoursPerMonth: count(values['fault-hours'], 'fault-hours', DEFAULT_ASSUMPTIONS.faultHoursPerMonth),
    billedMsPerRun: count(values['billed-ms'], 'billed-ms', DEFAULT_ASSUMPTIONS.billedMsPerRun),
  };
  const accounts = values.accounts === undefined ? undefined : count(values.accounts, 'accounts', 2);
  if (accounts === 0) throw new ConfigError('--accounts must be at least 1 (the default account)');
  const fleet = accounts !== undefined || values.managed;
  const stacks =
    values.stage !== undefined
      ? synthesizeTemplates({ stage: values.stage })
      : values['cdk-json']
        ? synthesizeTemplates({})
        : synthesizeTemplates({ config: fleet ? fleetDeployment(accounts ?? 1, values.managed) : DEFAULT_DEPLOYMENT });
  const configured = accounts ?? 1;
  const watching = fleet ? [`${configured} configured Telnyx account${configured === 1 ? '' : 's'}`, ...(values.managed ? ['managed accounts'] : [])] : [];
  const label =
    values.stage !== undefined
      ? `stage ${values.stage}`
      : values['cdk-json']
        ? 'cdk.json'
        : `the default deployment (one email, one SMS, an alarm email${watching.length > 0 ? `; ${watching.join(' and ')}` : ''})`;
  for (const { stackId, template } of stacks) {
    console.log(renderEstimate(`${stackId}: ${label}`, estimateMonthlyCost(template, usage), usage));
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
