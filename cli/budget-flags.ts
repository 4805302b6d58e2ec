import { type RefinementCtx, z } from 'zod';
import type { ZodMiniType } from 'zod/mini';
import {
  type AttributionBudget,
  AttributionBudgetSchema,
  attributionValueProblem,
} from '../lib/budgets/attribution-budget.js';
import {
  ANOMALY_ALARM_METRICS,
  type Budget,
  BudgetSchema,
  BYPASS_ACTIONS,
  MAX_BYTES,
  MAX_THRESHOLD_PERCENT,
  type Threshold,
  type ThresholdAction,
} from '../lib/budgets/budget.js';
import {
  RESERVATION_NAME,
  type ReservationBudget,
  ReservationBudgetSchema,
  type ReservationThresholdAction,
} from '../lib/budgets/reservation-budget.js';
import { BYTE_UNIT_NAMES, parseBytes } from '../lib/format/parse-bytes.js';
import { PERIODS } from '../lib/usage/period-keys.js';
import {
  DBT_MODEL_KEY,
  TAG_KEY_PATTERN,
  TAG_VALUE_PATTERN,
  tagAttributionKey,
} from '../lib/usage/query-attribution.js';
import { PRINCIPAL_KEY, principalOfArn } from '../lib/usage/query-principal.js';
import { SNS_TOPIC_ARN } from './aws-services.js';
import {
  camelCase,
  type OptionDeclaration,
  type OptionValues,
  type StringOptionDeclaration,
  synopsisOf,
  workgroupName,
} from './options.js';

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A string option: `is required` when absent, else `problem` for a value that is not a string. */
const text = (problem: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : problem) });

/** `--alerts-topic-arn`: the stack's SNS alerts topic, instead of ALERTS_TOPIC_ARN. */
const alertsTopicArnFlag = z.string().regex(SNS_TOPIC_ARN, {
  error: (issue) =>
    `must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts, got '${String(issue.input)}'`,
});

/** `--reservation`, checked against Athena's naming rules for capacity reservations. */
const reservationFlag = text('must be a capacity reservation name').regex(RESERVATION_NAME, {
  error: (issue) =>
    `must be a capacity reservation name (1 to 128 of a-z, A-Z, 0-9, '.', '_', '-'), got '${String(issue.input)}'`,
});

/** `--alerts-topic-arn ARN`: `purpose` says what the topic gets. */
export const alertsTopicArnOption = (purpose: string) =>
  ({
    type: 'string',
    valueName: 'ARN',
    description: `${purpose} (default: $ALERTS_TOPIC_ARN)`,
    schema: alertsTopicArnFlag,
  }) as const satisfies StringOptionDeclaration;

/** `--reservation NAME`: a capacity reservation a command acts on or narrows to. */
export const reservationOption = (description: string) =>
  ({
    type: 'string',
    valueName: 'NAME',
    description,
    schema: reservationFlag,
  }) as const satisfies StringOptionDeclaration;
/** The attribution key and value a `--principal`, `--tag` or `--dbt-model` budget is on. */
export interface AttributionSubject {
  readonly key: string;
  readonly value: string;
}

/** A subject value the counters can hold, or the issue saying why not. */
const attributionSubject =
  (key: (value: string) => string, example: string) =>
  (value: string, context: z.RefinementCtx): AttributionSubject => {
    const problem = attributionValueProblem(key(value), value);
    if (problem !== undefined)
      context.addIssue({ code: 'custom', message: `${problem}, e.g. ${example}, got '${value}'` });
    return { key: key(value), value };
  };

/**
 * `--principal`: an IAM role, user or assumed-role ARN of the account (normalised as CloudTrail
 * records are: `role/<name>`), or a principal as `report --by principal` shows it.
 */
export const principalFlag = z.string().transform((typed, context): AttributionSubject => {
  const value = typed.startsWith('arn:') ? principalOfArn(typed) : typed;
  if (value === undefined) {
    context.addIssue({
      code: 'custom',
      message: `must be an IAM role, user or assumed-role ARN, or a principal as 'report --by principal' shows it (role/<name>, user/<name>, identity-center/<user>), got '${typed}'`,
    });
    return z.NEVER;
  }
  return attributionSubject(() => PRINCIPAL_KEY, 'role/dbt-runner')(value, context);
});

/** `--tag team=finance`: a key and a value of the tag convention. */
export const tagFlag = z.string().transform((typed, context): AttributionSubject => {
  const equals = typed.indexOf('=');
  const tag = typed.slice(0, equals);
  const value = typed.slice(equals + 1);
  if (equals < 0 || !TAG_KEY_PATTERN.test(tag) || !TAG_VALUE_PATTERN.test(value)) {
    context.addIssue({
      code: 'custom',
      message: `must be KEY=VALUE as queries tag themselves (-- athena-cost: team=finance): a lower-case key of up to 32 of a-z 0-9 _ . -, a value of 1 to 64 of A-Z a-z 0-9 _ . : / @ + -, got '${typed}'`,
    });
    return z.NEVER;
  }
  return { key: tagAttributionKey(tag), value };
});

/** `--dbt-model model.shop.orders`: a dbt node id as dbt's query comment names it. */
export const dbtModelFlag = z
  .string()
  .transform((value, context) =>
    attributionSubject(() => DBT_MODEL_KEY, 'model.shop.orders')(value, context),
  );

/** `--principal`, `--tag`, `--dbt-model`: the attribution value a budget is on, instead of a workgroup. */
export const ATTRIBUTION_SUBJECT_OPTIONS = {
  principal: {
    type: 'string',
    valueName: 'ARN',
    description:
      'An IAM principal instead, over every workgroup (notify only): a role or user ARN, or role/<name>',
    schema: principalFlag,
  },
  tag: {
    type: 'string',
    valueName: 'KEY=VALUE',
    description: 'A query tag value instead, over every workgroup (notify only), e.g. team=finance',
    schema: tagFlag,
  },
  'dbt-model': {
    type: 'string',
    valueName: 'NODE',
    description: 'A dbt model instead, over every workgroup (notify only), e.g. model.shop.orders',
    schema: dbtModelFlag,
  },
} as const satisfies Readonly<Record<string, StringOptionDeclaration>>;

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
      message: `must be a whole number of bytes from 1 to ${MAX_BYTES}, optionally with a unit (${BYTE_UNIT_NAMES}), e.g. 10GiB or 5TB, got '${value}'`,
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

/** A number of DPUs; the budget's own rule (4 to 124 in steps of 4) speaks for itself. */
const dpuCount = z.string().transform((value, context) => {
  const number = parseNumber(value);
  if (number === undefined) {
    context.addIssue({
      code: 'custom',
      message: `must be a number of DPUs, e.g. 8, got '${value}'`,
    });
    return z.NEVER;
  }
  return number;
});

const period = z.enum(PERIODS, {
  error: (issue) => `must be one of ${PERIODS.join(', ')}, got '${String(issue.input)}'`,
});

/**
 * Where a `budget set` option's value goes: the budget field it becomes (whose validation
 * messages are then reported under the option's name), or the action of the thresholds whose
 * percentages it gives; for a workgroup budget (`field`, `threshold`), a reservation budget
 * (`reservationField`, `reservationThreshold`) or both. An option that names a target of one
 * kind only is refused with the other. Options with none steer the command only.
 */
interface BudgetTarget {
  readonly field?: Exclude<keyof Budget, 'thresholds' | 'updatedAt'>;
  readonly threshold?: ThresholdAction;
  readonly reservationField?: Exclude<keyof ReservationBudget, 'thresholds' | 'updatedAt'>;
  readonly reservationThreshold?: ReservationThresholdAction;
  /** For a budget on an attribution value (`--principal`, `--tag`, `--dbt-model`): notify only. */
  readonly attributionField?: Exclude<keyof AttributionBudget, 'thresholds' | 'updatedAt'>;
  readonly attributionThreshold?: 'notify';
}

type BudgetOptionDeclaration = OptionDeclaration & BudgetTarget;

/**
 * The options of `budget set`, each declared once: the command's parseArgs options and `--help`
 * (derived by `defineCommand`), its synopsis ({@link BUDGET_SET_SYNOPSIS}), the parsing
 * ({@link checkBudgetSetOptions} across options), the budget built from the values ({@link budgetFromOptions}) and the
 * flag named in the budget's validation messages all derive from this record.
 *
 * To add an option, add one entry: the flag as key; `type`, `valueName`, `description` and
 * `schema` (the value as typed → its value; messages follow the flag name); `required: true` if
 * it must be given; `field` when the value is a budget field (add the field to `Budget` and its
 * schema in lib/budgets/budget.ts, where the bounds live) or `threshold` when it gives the
 * percentages of thresholds of an action; `reservationField` / `reservationThreshold` likewise
 * for a reservation budget (lib/budgets/reservation-budget.ts; its DPU bounds live in budget.ts).
 * The command reads it as `context.flags.<camelCase>`.
 */
export const BUDGET_SET_OPTIONS = {
  workgroup: {
    type: 'string',
    valueName: 'WG',
    description: 'Athena workgroup (or --reservation)',
    schema: workgroupName,
    field: 'workgroup',
  },
  reservation: {
    ...reservationOption(
      'Capacity reservation instead: limits what it bills (allocated DPU-hours, their cost)',
    ),
    reservationField: 'reservation',
  },
  ...ATTRIBUTION_SUBJECT_OPTIONS,
  period: {
    type: 'string',
    valueName: PERIODS.join('|'),
    description: 'Budget period, UTC: day, week (ISO) or month',
    required: true,
    schema: period,
    field: 'period',
    reservationField: 'period',
    attributionField: 'period',
  },
  'limit-dpu-hours': {
    type: 'string',
    valueName: 'N',
    description: 'DPU-hours the workgroup may use (a reservation: allocate) per period',
    schema: positiveNumber('10'),
    field: 'limitDpuHours',
    reservationField: 'limitDpuHours',
    attributionField: 'limitDpuHours',
  },
  'limit-usd': {
    type: 'string',
    valueName: 'N',
    description: 'Also limit the estimated cost (a reservation: its billed cost)',
    schema: positiveNumber('25'),
    field: 'limitUsd',
    reservationField: 'limitUsd',
    attributionField: 'limitUsd',
  },
  'limit-bytes': {
    type: 'string',
    valueName: 'BYTES',
    description: 'Also limit bytes scanned (on demand), e.g. 500GiB',
    schema: bytes,
    field: 'limitBytes',
  },
  'notify-at': {
    type: 'string',
    valueName: 'P,P',
    description: 'Percentages that alert, e.g. 50,80 (one CloudWatch alarm each)',
    schema: percentList,
    threshold: 'notify',
    reservationThreshold: 'notify',
    attributionThreshold: 'notify',
  },
  'throttle-at': {
    type: 'string',
    valueName: 'P',
    description: 'Percentage that throttles the workgroup',
    schema: percent('80'),
    threshold: 'throttle',
  },
  'throttle-max-dpu': {
    type: 'string',
    valueName: 'N',
    description: 'max-dpu-count a throttle sets (capacity reservation): 4 to 124, step 4',
    schema: dpuCount,
    field: 'throttleMaxDpu',
  },
  'throttle-bytes-cutoff': {
    type: 'string',
    valueName: 'BYTES',
    description: 'Per-query scan cutoff a throttle sets (on demand), at least 10MiB',
    schema: bytes,
    field: 'throttleBytesScannedCutoff',
  },
  'throttle-max-concurrent-dpus': {
    type: 'string',
    valueName: 'N',
    description: 'MaxConcurrentDpus a throttle sets for new sessions (Spark workgroup): 2 to 5000',
    schema: dpuCount,
    field: 'throttleMaxConcurrentDpus',
  },
  'disable-at': {
    type: 'string',
    valueName: 'P',
    description: 'Percentage that disables the workgroup',
    schema: percent('100'),
    threshold: 'disable',
  },
  'disable-now-at': {
    type: 'string',
    valueName: 'P',
    description:
      'Percentage that disables it and stops its running queries (Spark: terminates its sessions)',
    schema: percent('120'),
    threshold: 'disable-now',
  },
  'scale-down-at': {
    type: 'string',
    valueName: 'P',
    description: 'Percentage that scales the reservation down (UpdateCapacityReservation)',
    schema: percent('90'),
    reservationThreshold: 'scale-down',
  },
  'scale-down-dpus': {
    type: 'string',
    valueName: 'N',
    description: 'TargetDpus a scale-down requests: a multiple of 4, at least 4; never raises',
    schema: dpuCount,
    reservationField: 'scaleDownDpus',
  },
  'override-autoscaler': {
    type: 'boolean',
    description:
      'Scale down even when the target changed since the last look (operator, auto-scaler)',
    reservationField: 'overrideAutoscaler',
  },
  'dry-run': {
    type: 'boolean',
    description: 'Budget in dry run: record and alert what would be done, change nothing',
    field: 'dryRun',
    reservationField: 'dryRun',
  },
  protected: {
    type: 'boolean',
    description: 'Never act on the workgroup (or reservation): every threshold only notifies',
    field: 'protected',
    reservationField: 'protected',
  },
  'enforce-workgroup-config': {
    type: 'boolean',
    description:
      'The throttle also turns on EnforceWorkGroupConfiguration, so no client can sidestep it',
    field: 'enforceWorkgroupConfiguration',
  },
  'on-bypass': {
    type: 'string',
    valueName: BYPASS_ACTIONS.join('|'),
    description: 'notify (default) or disable when a query exceeds the throttled max-dpu-count',
    default: 'notify',
    schema: z.enum(BYPASS_ACTIONS, {
      error: (issue) => `must be one of ${BYPASS_ACTIONS.join(', ')}, got '${String(issue.input)}'`,
    }),
    field: 'onBypass',
  },
  'anomaly-alarm': {
    type: 'string',
    valueName: ANOMALY_ALARM_METRICS.join('|'),
    description:
      'Also alarm when the hourly cost or DPU-hours rise above their expected band (about $0.30 a month)',
    schema: z.enum(ANOMALY_ALARM_METRICS, {
      error: (issue) =>
        `must be one of ${ANOMALY_ALARM_METRICS.join(', ')}, got '${String(issue.input)}'`,
    }),
    field: 'anomalyAlarm',
  },
  'skip-workgroup-check': {
    type: 'boolean',
    description: 'Do not ask Athena whether the workgroup or reservation exists (offline setups)',
  },
  'skip-alarms': {
    type: 'boolean',
    description: 'Do not create, update or delete CloudWatch alarms (offline setups)',
  },
  'alerts-topic-arn': alertsTopicArnOption('SNS topic the alarms notify'),
} as const satisfies Readonly<Record<string, BudgetOptionDeclaration>>;

type BudgetSetFlag = keyof typeof BUDGET_SET_OPTIONS;

/** Whether an option shapes a workgroup budget, a reservation budget (or both). */
const forWorkgroups = (declaration: BudgetTarget) =>
  declaration.field !== undefined || declaration.threshold !== undefined;
const forReservations = (declaration: BudgetTarget) =>
  declaration.reservationField !== undefined || declaration.reservationThreshold !== undefined;
const forAttribution = (declaration: BudgetTarget) =>
  declaration.attributionField !== undefined || declaration.attributionThreshold !== undefined;

/** What `budget set` was asked for, as typed values: `--limit-dpu-hours` is `limitDpuHours`. */
export type BudgetSetOptions = OptionValues<typeof BUDGET_SET_OPTIONS>;

/**
 * The synopsis of `budget set`, one line per kind of budget: the options that shape it (the
 * subject, `--workgroup` or `--reservation`, shown as required); the others are `[options]`.
 */
export const BUDGET_SET_SYNOPSIS = [
  `athena-cost budget set ${synopsisOf(BUDGET_SET_OPTIONS, (declaration: BudgetOptionDeclaration) => forWorkgroups(declaration)).replace('[--workgroup WG]', '--workgroup WG')} [options]`,
  `       athena-cost budget set ${synopsisOf(
    BUDGET_SET_OPTIONS,
    (declaration: BudgetOptionDeclaration) => forReservations(declaration),
  ).replace('[--reservation NAME]', '--reservation NAME')} [options]`,
  `       athena-cost budget set ${synopsisOf(
    BUDGET_SET_OPTIONS,
    (declaration: BudgetOptionDeclaration) => forAttribution(declaration),
  ).replace('--period', '--principal ARN|--tag KEY=VALUE|--dbt-model NODE --period')} [options]`,
].join('\n');

/** A budget needs at least one of these. */
const LIMITS = [
  'limit-dpu-hours',
  'limit-usd',
  'limit-bytes',
] as const satisfies readonly BudgetSetFlag[];

/** What a throttle sets: one of these must accompany --throttle-at. */
const THROTTLE_SETTINGS = [
  'throttle-max-dpu',
  'throttle-bytes-cutoff',
  'throttle-max-concurrent-dpus',
] as const satisfies readonly BudgetSetFlag[];

const optionValue = (options: BudgetSetOptions, flag: BudgetSetFlag): unknown =>
  (options as Readonly<Record<string, unknown>>)[camelCase(flag)];

/** Whether an option was given: a switch turned on, a value other than its default. */
function given(options: BudgetSetOptions, flag: BudgetSetFlag): boolean {
  const value = optionValue(options, flag);
  const declaration: BudgetOptionDeclaration = BUDGET_SET_OPTIONS[flag];
  if (declaration.type === 'boolean') return value === true;
  return value !== undefined && !('default' in declaration && value === declaration.default);
}

/** The options that name a budget's subject, one of which `budget set` needs. */
const SUBJECT_FLAGS = [
  'workgroup',
  'reservation',
  'principal',
  'tag',
  'dbt-model',
] as const satisfies readonly BudgetSetFlag[];

const KIND_OF_SUBJECT: Readonly<Record<(typeof SUBJECT_FLAGS)[number], BudgetKind>> = {
  workgroup: 'workgroup',
  reservation: 'reservation',
  principal: 'attribution',
  tag: 'attribution',
  'dbt-model': 'attribution',
};

const APPLIES_TO: Readonly<Record<BudgetKind, (declaration: BudgetTarget) => boolean>> = {
  workgroup: (declaration) => forWorkgroups(declaration),
  reservation: (declaration) => forReservations(declaration),
  attribution: (declaration) => forAttribution(declaration),
};

/** Why an option given with a budget of `kind` is refused: it would be silently ignored. */
function notForKind(declaration: BudgetTarget, kind: BudgetKind): string {
  if (kind === 'attribution' && forWorkgroups(declaration)) {
    const acts =
      (declaration.threshold !== undefined && declaration.threshold !== 'notify') ||
      (declaration.field !== undefined && ACTION_FIELDS.has(declaration.field));
    return acts
      ? 'applies to workgroup budgets only: Athena has no per-principal or per-tag lever (a throttle or a disable stops a whole workgroup), so a --principal, --tag or --dbt-model budget only notifies'
      : 'applies to workgroup budgets only, not with --principal, --tag or --dbt-model';
  }
  return forWorkgroups(declaration) && kind === 'reservation'
    ? 'applies to workgroup budgets only, not with --reservation'
    : 'applies to reservation budgets only (--reservation NAME)';
}

/** Workgroup budget fields that shape what an action does to the workgroup. */
const ACTION_FIELDS: ReadonlySet<string> = new Set([
  'throttleMaxDpu',
  'throttleBytesScannedCutoff',
  'throttleMaxConcurrentDpus',
  'enforceWorkgroupConfiguration',
  'onBypass',
  'dryRun',
  'protected',
]);

/** What `budget set` checks across its options: its subject, a limit, what a throttle sets. */
export function checkBudgetSetOptions(options: BudgetSetOptions, context: RefinementCtx): void {
  const subjects = SUBJECT_FLAGS.filter((flag) => optionValue(options, flag) !== undefined);
  const [subject, second] = subjects;
  if (subject === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['workgroup'],
      message:
        'is required unless --reservation, --principal, --tag or --dbt-model is given: a budget is on a workgroup, a reservation or an attribution value',
    });
  }
  if (subject !== undefined && second !== undefined) {
    context.addIssue({
      code: 'custom',
      path: [second],
      message: `cannot be combined with --${subject}: a budget is on one workgroup, reservation or attribution value`,
    });
    return;
  }
  const kind = subject === undefined ? 'workgroup' : KIND_OF_SUBJECT[subject];
  const reservation = kind === 'reservation';
  // An option of another kind of budget would be silently ignored: refuse it instead.
  for (const [flag, declaration] of entries) {
    if (!given(options, flag) || (SUBJECT_FLAGS as readonly string[]).includes(flag)) continue;
    const targeted =
      forWorkgroups(declaration) || forReservations(declaration) || forAttribution(declaration);
    if (targeted && !APPLIES_TO[kind](declaration)) {
      context.addIssue({ code: 'custom', path: [flag], message: notForKind(declaration, kind) });
    }
  }
  if (kind === 'attribution') {
    if (options.limitDpuHours === undefined && options.limitUsd === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['limit-dpu-hours'],
        message:
          'is required unless --limit-usd is given: an attribution budget needs at least one limit',
      });
    }
    return;
  }
  if (reservation) {
    if (options.limitDpuHours === undefined && options.limitUsd === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['limit-dpu-hours'],
        message:
          'is required unless --limit-usd is given: a reservation budget needs at least one limit',
      });
    }
    if (options.scaleDownAt !== undefined && options.scaleDownDpus === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['scale-down-at'],
        message: 'needs --scale-down-dpus N to say what TargetDpus the scale-down requests',
      });
    }
    return;
  }
  if (LIMITS.every((flag) => optionValue(options, flag) === undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['limit-dpu-hours'],
      message:
        'is required unless --limit-usd or --limit-bytes is given: a budget needs at least one limit',
    });
  }
  if (
    options.throttleAt !== undefined &&
    THROTTLE_SETTINGS.every((flag) => optionValue(options, flag) === undefined)
  ) {
    context.addIssue({
      code: 'custom',
      path: ['throttle-at'],
      message:
        'needs --throttle-max-dpu N (capacity reservation), --throttle-bytes-cutoff BYTES (on demand) or --throttle-max-concurrent-dpus N (Spark) to say what the throttle sets',
    });
  }
}

const entries = Object.entries(BUDGET_SET_OPTIONS) as [BudgetSetFlag, BudgetOptionDeclaration][];

/** Each threshold the options ask for, with the option it comes from, in declaration order. */
function thresholdsWithFlags(
  options: BudgetSetOptions,
  actionOf: (declaration: BudgetTarget) => string | undefined = (declaration) =>
    declaration.threshold,
) {
  return entries.flatMap(([flag, declaration]) => {
    const action = actionOf(declaration);
    const value = optionValue(options, flag);
    if (action === undefined || value === undefined) return [];
    const percents = Array.isArray(value) ? value : [value];
    return percents.map((percent) => ({ threshold: { percent, action } as Threshold, flag }));
  });
}

/** The thresholds the options ask for: `--notify-at`, `--throttle-at`, `--disable-at`, `--disable-now-at`. */
export function thresholdsOf(options: BudgetSetOptions): Threshold[] {
  return thresholdsWithFlags(options).map(({ threshold }) => threshold);
}

/** The budgets `budget set` builds, by kind. */
interface BudgetOfKind {
  readonly workgroup: Budget;
  readonly reservation: ReservationBudget;
  readonly attribution: AttributionBudget;
}

type BudgetKind = keyof BudgetOfKind;

/**
 * Each kind of budget: the domain's schema that validates one, and which of an option's targets
 * ({@link BudgetTarget}) give its fields and its thresholds' percentages.
 */
const BUDGET_KINDS: {
  readonly [Kind in BudgetKind]: {
    readonly schema: ZodMiniType<BudgetOfKind[Kind]>;
    readonly field: 'field' | 'reservationField' | 'attributionField';
    readonly threshold: 'threshold' | 'reservationThreshold' | 'attributionThreshold';
    /** The fields its subject option gives beside its own field targets. */
    readonly subjectFields?: (options: BudgetSetOptions) => Readonly<Record<string, unknown>>;
  };
} = {
  /** lib/budgets/budget.ts */
  workgroup: { schema: BudgetSchema, field: 'field', threshold: 'threshold' },
  /** `--reservation`: lib/budgets/reservation-budget.ts */
  reservation: {
    schema: ReservationBudgetSchema,
    field: 'reservationField',
    threshold: 'reservationThreshold',
  },
  /** `--principal`, `--tag`, `--dbt-model`: lib/budgets/attribution-budget.ts */
  attribution: {
    schema: AttributionBudgetSchema,
    field: 'attributionField',
    threshold: 'attributionThreshold',
    subjectFields: (options) => ({ ...(options.principal ?? options.tag ?? options.dbtModel) }),
  },
};

/** A budget built from the options, or what is wrong with them, naming the options. */
export type BuiltBudget<Kind extends BudgetKind = 'workgroup'> =
  | { readonly ok: true; readonly budget: BudgetOfKind[Kind] }
  | { readonly ok: false; readonly message: string };

/**
 * Builds the budget of a kind (default a workgroup's) and validates it with the domain's rules,
 * naming the option each problem comes from: `--throttle-max-dpu must be between 4 and 124 in
 * steps of 4`, `--scale-down-dpus must be a multiple of 4 of at least 4`.
 */
export function budgetFromOptions<Kind extends BudgetKind = 'workgroup'>(
  options: BudgetSetOptions,
  now: Date,
  kind: Kind = 'workgroup' as Kind,
): BuiltBudget<Kind> {
  const {
    schema,
    field: fieldTarget,
    threshold: thresholdTarget,
    subjectFields,
  }: (typeof BUDGET_KINDS)[Kind] & {
    readonly subjectFields?: (options: BudgetSetOptions) => Readonly<Record<string, unknown>>;
  } = BUDGET_KINDS[kind];
  const thresholds = thresholdsWithFlags(options, (declaration) => declaration[thresholdTarget]);
  const input: Record<string, unknown> = {
    ...subjectFields?.(options),
    thresholds: thresholds.map(({ threshold }) => threshold),
    updatedAt: now.toISOString(),
  };
  const flagOfField = new Map<PropertyKey, BudgetSetFlag>();
  for (const [flag, declaration] of entries) {
    const field = declaration[fieldTarget];
    if (field === undefined) continue;
    input[field] = optionValue(options, flag);
    flagOfField.set(field, flag);
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, budget: parsed.data };
  const message = parsed.error.issues
    .map((issue) => {
      const [field, index] = issue.path;
      const flag =
        field === 'thresholds' && typeof index === 'number'
          ? thresholds[index]?.flag
          : flagOfField.get(field ?? '');
      return `${flag === undefined ? issue.path.join('.') || 'budget' : `--${flag}`} ${issue.message}`;
    })
    .join('; ');
  return { ok: false, message };
}

/** Options of a reservation budget that were given but change nothing, worth a warning. */
export function reservationBudgetWarnings(options: BudgetSetOptions): string[] {
  const warnings: string[] = [];
  if (options.scaleDownAt === undefined && options.scaleDownDpus !== undefined) {
    warnings.push('--scale-down-dpus has no effect without --scale-down-at');
  }
  if (options.scaleDownAt === undefined && options.overrideAutoscaler) {
    warnings.push('--override-autoscaler has no effect without --scale-down-at');
  }
  if (options.notifyAt === undefined && options.scaleDownAt === undefined) {
    warnings.push(
      'the budget has no thresholds (--notify-at, --scale-down-at): it only tracks usage',
    );
  }
  return warnings;
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

/**
 * The warning for a Spark throttle: it lowers the workgroup's MaxConcurrentDpus, which only new
 * sessions that ask for no value of their own take (StartSession carries its own engine
 * configuration); running sessions keep theirs. Undefined without a Spark throttle.
 */
export function sparkThrottleWarning(budget: Budget): string | undefined {
  const throttlesSessions =
    budget.throttleMaxConcurrentDpus !== undefined &&
    budget.thresholds.some((threshold) => threshold.action === 'throttle');
  if (!throttlesSessions) return undefined;
  return `the throttle lowers MaxConcurrentDpus of workgroup '${budget.workgroup}' for new sessions that ask for no value of their own: sessions already running, and clients that pass their own MaxConcurrentDpus to StartSession, are not held to it. Only --disable-now-at stops running sessions (it terminates them).`;
}

/**
 * Why a throttle cannot work on this workgroup's engine, or undefined when it can: a Spark
 * workgroup has no SQL query's `max-dpu-count` or per-query scan cutoff to lower (its lever is
 * MaxConcurrentDpus), and a SQL workgroup no session DPUs.
 */
export function throttleEngineMismatch(budget: Budget, spark: boolean): string | undefined {
  if (!budget.thresholds.some((threshold) => threshold.action === 'throttle')) return undefined;
  if (spark) {
    const sqlLever =
      budget.throttleMaxDpu !== undefined
        ? '--throttle-max-dpu'
        : budget.throttleBytesScannedCutoff !== undefined
          ? '--throttle-bytes-cutoff'
          : undefined;
    if (sqlLever === undefined) return undefined;
    return `workgroup '${budget.workgroup}' runs Apache Spark: ${sqlLever} limits SQL queries and would not throttle its sessions; use --throttle-max-concurrent-dpus`;
  }
  if (budget.throttleMaxConcurrentDpus === undefined) return undefined;
  return `workgroup '${budget.workgroup}' runs SQL, not Apache Spark: --throttle-max-concurrent-dpus would not throttle its queries; use --throttle-max-dpu (capacity reservation) or --throttle-bytes-cutoff (on-demand)`;
}

/** Options that were given but change nothing, worth a warning. */
export function budgetSetWarnings(options: BudgetSetOptions): string[] {
  const warnings: string[] = [];
  if (options.throttleAt === undefined) {
    for (const flag of THROTTLE_SETTINGS) {
      if (optionValue(options, flag) !== undefined) {
        warnings.push(`--${flag} has no effect without --throttle-at`);
      }
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
    const thresholdFlags = entries.filter(([, { threshold }]) => threshold !== undefined);
    warnings.push(
      `the budget has no thresholds (${thresholdFlags.map(([flag]) => `--${flag}`).join(', ')}): it only tracks usage`,
    );
  }
  return warnings;
}
