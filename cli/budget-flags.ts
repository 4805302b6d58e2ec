import { z } from 'zod';
import {
  type Budget,
  BYPASS_ACTIONS,
  type BypassAction,
  MAX_THRESHOLD_PERCENT,
  parseBudget,
  type Threshold,
} from '../lib/budgets/budget.js';
import { BYTE_UNIT_NAMES, parseBytes } from '../lib/format/parse-bytes.js';
import { PERIODS, type Period } from '../lib/usage/period-keys.js';
import { SNS_TOPIC_ARN } from './aws-services.js';

/** Athena's own limits on workgroup names. */
export const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A string option: `is required` when absent, else `problem` for a value that is not a string. */
const text = (problem: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : problem) });

/** `--workgroup`, checked against Athena's naming rules. */
/** `--alerts-topic-arn`: the stack's SNS alerts topic, instead of ALERTS_TOPIC_ARN. */
export const alertsTopicArnFlag = z
  .string()
  .regex(SNS_TOPIC_ARN, {
    error: (issue) =>
      `must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts, got '${String(issue.input)}'`,
  })
  .optional();

export const workgroupFlag = text('must be an Athena workgroup name').regex(WORKGROUP_NAME, {
  error: (issue) =>
    `must be an Athena workgroup name (1 to 128 of a-z, A-Z, 0-9, '.', '_', '-'), got '${String(issue.input)}'`,
});

/** A number as the user typed it: digits, a decimal point and an exponent; no sign, no hex. */
export function parseNumber(value: string): number | undefined {
  const trimmed = value.trim();
  if (!NUMBER.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}

/** A threshold percent, with or without `%`: greater than 0, at most 1000. */
export function parsePercent(value: string): number | undefined {
  const percent = parseNumber(value.trim().replace(/%$/, ''));
  return percent !== undefined && percent > 0 && percent <= MAX_THRESHOLD_PERCENT
    ? percent
    : undefined;
}

const positiveNumber = (example: string) =>
  z.string().transform((value, context) => {
    const number = parseNumber(value);
    if (number === undefined || number <= 0) {
      context.addIssue({
        code: 'custom',
        message: `must be a number greater than 0, e.g. ${example}, got '${value}'`,
      });
      return z.NEVER;
    }
    return number;
  });

const bytes = z.string().transform((value, context) => {
  const number = parseBytes(value);
  if (number === undefined || number <= 0) {
    context.addIssue({
      code: 'custom',
      message: `must be a whole number of bytes greater than 0, optionally with a unit (${BYTE_UNIT_NAMES}), e.g. 10GiB or 5TB, got '${value}'`,
    });
    return z.NEVER;
  }
  return number;
});

const PERCENT_PROBLEM = `must be a percentage greater than 0 and at most ${MAX_THRESHOLD_PERCENT}`;

const percent = (example: string) =>
  z.string().transform((value, context) => {
    const number = parsePercent(value);
    if (number === undefined) {
      context.addIssue({
        code: 'custom',
        message: `${PERCENT_PROBLEM}, e.g. ${example}, got '${value}'`,
      });
      return z.NEVER;
    }
    return number;
  });

/** `50,80` or `50%, 80%`: ascending, distinct. */
const percentList = z.string().transform((value, context) => {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => parseNumber(item.replace(/%$/, '')) === undefined)) {
    context.addIssue({
      code: 'custom',
      message: `must be a comma-separated list of percentages, e.g. 50,80, got '${value}'`,
    });
    return z.NEVER;
  }
  const percents = items.map(parsePercent);
  const outOfRange = items.filter((_, index) => percents[index] === undefined);
  if (outOfRange.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `must hold percentages greater than 0 and at most ${MAX_THRESHOLD_PERCENT}, got ${outOfRange.map((item) => `'${item}'`).join(', ')}`,
    });
    return z.NEVER;
  }
  const valid = percents.filter((entry): entry is number => entry !== undefined);
  const repeated = valid.filter((entry, index) => valid.indexOf(entry) !== index);
  if (repeated.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `lists ${[...new Set(repeated)].join(', ')} more than once`,
    });
    return z.NEVER;
  }
  return [...valid].sort((a, b) => a - b);
});

/** What `budget set` was asked for, as typed values. */
export interface BudgetSetOptions {
  readonly workgroup: string;
  readonly period: Period;
  readonly limitDpuHours: number | undefined;
  readonly limitUsd: number | undefined;
  readonly limitBytes: number | undefined;
  readonly notifyAt: readonly number[];
  readonly throttleAt: number | undefined;
  readonly throttleMaxDpu: number | undefined;
  readonly throttleBytesCutoff: number | undefined;
  readonly disableAt: number | undefined;
  readonly disableNowAt: number | undefined;
  readonly dryRun: boolean;
  readonly protected: boolean;
  readonly enforceWorkgroupConfig: boolean;
  readonly onBypass: BypassAction;
  readonly skipWorkgroupCheck: boolean;
  readonly skipAlarms: boolean;
  readonly alertsTopicArn: string | undefined;
}

/** The options of `budget set`, from parseArgs' values to {@link BudgetSetOptions}. */
export const BudgetSetFlags = z
  .object({
    workgroup: workgroupFlag,
    period: z.enum(['day', 'week', 'month'], {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `must be one of ${PERIODS.join(', ')}, got '${String(issue.input)}'`,
    }),
    'limit-dpu-hours': positiveNumber('10').optional(),
    'limit-usd': positiveNumber('25').optional(),
    'limit-bytes': bytes.optional(),
    'notify-at': percentList.optional(),
    'throttle-at': percent('80').optional(),
    // Only a number here: the budget's own rule (4 to 124 in steps of 4) speaks for itself.
    'throttle-max-dpu': z
      .string()
      .transform((value, context) => {
        const number = parseNumber(value);
        if (number === undefined) {
          context.addIssue({
            code: 'custom',
            message: `must be a number of DPUs, e.g. 8, got '${value}'`,
          });
          return z.NEVER;
        }
        return number;
      })
      .optional(),
    'throttle-bytes-cutoff': bytes.optional(),
    'disable-at': percent('100').optional(),
    'disable-now-at': percent('120').optional(),
    'dry-run': z.boolean().default(false),
    protected: z.boolean().default(false),
    'enforce-workgroup-config': z.boolean().default(false),
    'on-bypass': z
      .enum(BYPASS_ACTIONS, {
        error: (issue) =>
          `must be one of ${BYPASS_ACTIONS.join(', ')}, got '${String(issue.input)}'`,
      })
      .default('notify'),
    'skip-workgroup-check': z.boolean().default(false),
    'skip-alarms': z.boolean().default(false),
    'alerts-topic-arn': alertsTopicArnFlag,
  })
  .superRefine((flags, context) => {
    if (
      flags['limit-dpu-hours'] === undefined &&
      flags['limit-usd'] === undefined &&
      flags['limit-bytes'] === undefined
    ) {
      context.addIssue({
        code: 'custom',
        path: ['limit-dpu-hours'],
        message:
          'is required unless --limit-usd or --limit-bytes is given: a budget needs at least one limit',
      });
    }
    if (
      flags['throttle-at'] !== undefined &&
      flags['throttle-max-dpu'] === undefined &&
      flags['throttle-bytes-cutoff'] === undefined
    ) {
      context.addIssue({
        code: 'custom',
        path: ['throttle-at'],
        message:
          'needs --throttle-max-dpu N (capacity reservation) or --throttle-bytes-cutoff BYTES (on demand) to say what the throttle sets',
      });
    }
  })
  .transform(
    (flags): BudgetSetOptions => ({
      workgroup: flags.workgroup,
      period: flags.period,
      limitDpuHours: flags['limit-dpu-hours'],
      limitUsd: flags['limit-usd'],
      limitBytes: flags['limit-bytes'],
      notifyAt: flags['notify-at'] ?? [],
      throttleAt: flags['throttle-at'],
      throttleMaxDpu: flags['throttle-max-dpu'],
      throttleBytesCutoff: flags['throttle-bytes-cutoff'],
      disableAt: flags['disable-at'],
      disableNowAt: flags['disable-now-at'],
      dryRun: flags['dry-run'],
      protected: flags.protected,
      enforceWorkgroupConfig: flags['enforce-workgroup-config'],
      onBypass: flags['on-bypass'],
      skipWorkgroupCheck: flags['skip-workgroup-check'],
      skipAlarms: flags['skip-alarms'],
      alertsTopicArn: flags['alerts-topic-arn'],
    }),
  );

/** The thresholds the options ask for: `--notify-at`, `--throttle-at`, `--disable-at`, `--disable-now-at`. */
export function thresholdsOf(options: BudgetSetOptions): Threshold[] {
  const thresholds: Threshold[] = options.notifyAt.map((percent) => ({
    percent,
    action: 'notify',
  }));
  if (options.throttleAt !== undefined)
    thresholds.push({ percent: options.throttleAt, action: 'throttle' });
  if (options.disableAt !== undefined)
    thresholds.push({ percent: options.disableAt, action: 'disable' });
  if (options.disableNowAt !== undefined)
    thresholds.push({ percent: options.disableNowAt, action: 'disable-now' });
  return thresholds;
}

/** The option each budget field comes from, for the domain's messages. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  workgroup: '--workgroup',
  period: '--period',
  limitDpuHours: '--limit-dpu-hours',
  limitUsd: '--limit-usd',
  limitBytes: '--limit-bytes',
  throttleMaxDpu: '--throttle-max-dpu',
  throttleBytesScannedCutoff: '--throttle-bytes-cutoff',
  enforceWorkgroupConfiguration: '--enforce-workgroup-config',
  onBypass: '--on-bypass',
};

export type BuiltBudget =
  | { readonly ok: true; readonly budget: Budget }
  | { readonly ok: false; readonly message: string };

/**
 * Builds the budget and validates it with the domain's rules (`parseBudget`), whose messages are
 * reworded to name the options: `--throttle-max-dpu must be between 4 and 124 in steps of 4`.
 */
export function budgetFromOptions(options: BudgetSetOptions, now: Date): BuiltBudget {
  const parsed = parseBudget({
    workgroup: options.workgroup,
    period: options.period,
    limitDpuHours: options.limitDpuHours,
    limitUsd: options.limitUsd,
    limitBytes: options.limitBytes,
    thresholds: thresholdsOf(options),
    throttleMaxDpu: options.throttleMaxDpu,
    throttleBytesScannedCutoff: options.throttleBytesCutoff,
    dryRun: options.dryRun,
    protected: options.protected,
    enforceWorkgroupConfiguration: options.enforceWorkgroupConfig,
    onBypass: options.onBypass,
    updatedAt: now.toISOString(),
  });
  if (parsed.ok) return parsed;
  return { ok: false, message: parsed.reason.split('; ').map(withFlagName).join('; ') };
}

function withFlagName(problem: string): string {
  const match = /^([A-Za-z]+) (.*)$/s.exec(problem);
  const flag = match?.[1] === undefined ? undefined : FLAG_OF_FIELD[match[1]];
  return flag === undefined || match?.[2] === undefined ? problem : `${flag} ${match[2]}`;
}

/**
 * The warning for a capacity workgroup whose DPU throttle any client can sidestep: Athena lets a
 * query's own `max-dpu-count` win unless the workgroup enforces its configuration. Undefined
 * when the throttle holds (or there is no DPU throttle).
 */
export function throttleBypassWarning(
  budget: Budget,
  workgroupEnforcesConfiguration: boolean,
): string | undefined {
  const throttlesDpu =
    budget.throttleMaxDpu !== undefined &&
    budget.thresholds.some((threshold) => threshold.action === 'throttle');
  if (!throttlesDpu || workgroupEnforcesConfiguration || budget.enforceWorkgroupConfiguration) {
    return undefined;
  }
  return `workgroup '${budget.workgroup}' does not enforce its configuration ("Override client-side settings"): a client that passes its own max-dpu-count bypasses the throttle. Such queries are counted and alerted (--on-bypass); to close the gap, pass --enforce-workgroup-config (the throttle then turns EnforceWorkGroupConfiguration on, which also imposes the workgroup's result location and encryption on every client) or turn it on yourself.`;
}

/** Options that were given but change nothing, worth a warning. */
export function budgetSetWarnings(options: BudgetSetOptions): string[] {
  const warnings: string[] = [];
  if (options.throttleAt === undefined) {
    for (const [value, flag] of [
      [options.throttleMaxDpu, '--throttle-max-dpu'],
      [options.throttleBytesCutoff, '--throttle-bytes-cutoff'],
    ] as const) {
      if (value !== undefined) warnings.push(`${flag} has no effect without --throttle-at`);
    }
  }
  const disables = [
    [options.disableAt, '--disable-at'],
    [options.disableNowAt, '--disable-now-at'],
  ] as const;
  for (const [percent, flag] of disables) {
    if (percent !== undefined && options.throttleAt !== undefined && percent < options.throttleAt) {
      warnings.push(
        `${flag} ${percent} is below --throttle-at ${options.throttleAt}: the workgroup is disabled before it is ever throttled`,
      );
    }
  }
  if (options.enforceWorkgroupConfig && options.throttleAt === undefined) {
    warnings.push(
      '--enforce-workgroup-config has no effect without --throttle-at: only the throttle sets it',
    );
  }
  if (thresholdsOf(options).length === 0) {
    warnings.push(
      'the budget has no thresholds (--notify-at, --throttle-at, --disable-at, --disable-now-at): it only tracks usage',
    );
  }
  return warnings;
}
