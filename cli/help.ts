import { type Command, type CommandOption, DEFAULT_FORMATS } from './command.js';

export const PROGRAM = 'athena-cost';

/** Options every command takes; main handles them before the command runs. */
export const COMMON_OPTIONS = {
  table: {
    type: 'string',
    valueName: 'NAME',
    description: 'DynamoDB table of the monitor (default: $TABLE_NAME)',
  },
  stack: {
    type: 'string',
    valueName: 'NAME',
    description:
      'Deployed stack, e.g. athena-cost-prod: its outputs set the table, topic, queues and namespace (default: $ATHENA_COST_STACK)',
  },
  region: {
    type: 'string',
    valueName: 'REGION',
    description: 'AWS region (default: AWS_REGION or the AWS profile)',
  },
  format: {
    type: 'string',
    valueName: 'FORMAT',
    description: 'Output format',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} as const satisfies Record<string, CommandOption>;

export type CommonOptionName = keyof typeof COMMON_OPTIONS;

const ENVIRONMENT = [
  [
    'ATHENA_COST_STACK',
    'stack whose outputs set TABLE_NAME, ALERTS_TOPIC_ARN, DLQ_URL, DLQ_ARN, INGEST_QUEUE_ARN, METRICS_NAMESPACE and STACK_NAME',
  ],
  ['TABLE_NAME', 'table name when --table is absent'],
  ['AWS_REGION, AWS_PROFILE', 'standard AWS settings and credentials'],
  [
    'AWS_ENDPOINT_URL_DYNAMODB',
    'DynamoDB endpoint override, e.g. http://localhost:8000 (DynamoDB Local)',
  ],
  ['AWS_ENDPOINT_URL_ATHENA, _CLOUDWATCH, _SNS, _SQS', 'the same for the other services'],
  ['ALERTS_TOPIC_ARN', "the stack's SNS alerts topic (budget alarms, restore alerts)"],
  ['STACK_NAME', 'prefix of budget alarm names (default athena-cost)'],
  ['METRICS_NAMESPACE', 'CloudWatch namespace of the metrics (default AthenaCostMonitor)'],
  ['DLQ_URL, DLQ_ARN', 'the ingest dead-letter queue, for dlq peek and redrive'],
  ['INGEST_QUEUE_ARN', 'where dlq redrive moves the dead letters (default: the DLQ source queue)'],
] as const;

export function programHelp(commands: readonly Command<unknown>[]): string {
  return [
    `${PROGRAM}: cost monitor and DPU budget enforcer for Amazon Athena`,
    '',
    `Usage: ${PROGRAM} <command> [options]`,
    `       ${PROGRAM} --local DIR <command> [options]   on the account 'npm start -- --data DIR' kept`,
    '',
    'Commands:',
    ...twoColumns(commands.map((command) => [command.name, command.summary])),
    '',
    'Common options:',
    ...optionLines(
      { ...COMMON_OPTIONS, version: { type: 'boolean', description: 'Print the version' } },
      'table, json, csv (html for report)',
    ),
    '',
    'Environment:',
    ...twoColumns(ENVIRONMENT.map(([name, text]) => [name, text])),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}

export function groupHelp(group: string, subcommands: readonly Command<unknown>[]): string {
  return [
    `Usage: ${PROGRAM} ${group} <command> [options]`,
    '',
    'Commands:',
    ...twoColumns(subcommands.map((command) => [command.name, command.summary])),
    '',
    `Run '${PROGRAM} ${group} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}

export function commandHelp(command: Command<unknown>): string {
  const formats = command.formats ?? DEFAULT_FORMATS;
  const formatText = formats.map((format, index) => (index === 0 ? `${format} (default)` : format));
  const common = Object.fromEntries(
    Object.entries(COMMON_OPTIONS).filter(
      ([name]) => name !== 'table' || command.usesTable !== false,
    ),
  );
  const lines = [`Usage: ${command.usage}`, '', command.summary];
  if (command.description) lines.push('', command.description.trim());
  if (command.positionals && command.positionals.length > 0) {
    lines.push(
      '',
      'Arguments:',
      ...twoColumns(command.positionals.map((arg) => [arg.name, arg.description])),
    );
  }
  if (Object.keys(command.options).length > 0) {
    lines.push('', 'Options:', ...optionLines(command.options, formatText.join(', ')));
  }
  lines.push('', 'Common options:', ...optionLines(common, formatText.join(', ')));
  if (command.examples && command.examples.length > 0) {
    lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  }
  lines.push('');
  return lines.join('\n');
}

function optionLines(options: Readonly<Record<string, CommandOption>>, formats: string): string[] {
  return twoColumns(
    Object.entries(options).map(([name, option]) => {
      const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
      const value = option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : '';
      const description =
        name === 'format' ? `${option.description}: ${formats}` : option.description;
      return [flag + value, description];
    }),
  );
}

function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
