import type { BudgetAlert } from '../../lib/alerts/budget-alert.js';
import {
  type AttributionBudget,
  attributionBudgetUsageOf,
  attributionLabel,
  parseAttributionBudget,
} from '../../lib/budgets/attribution-budget.js';
import { formatPercent, formatUsd } from '../../lib/format/format-values.js';
import { usdFromNano } from '../../lib/usage/pricing.js';
import { tagAttributionKey } from '../../lib/usage/query-attribution.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { attributionDayBudget } from '../simulation/sample-budgets.js';
import { attributionTruthOf } from '../simulation/simulated-day.js';
import { messageForProtocol } from '../stand-ins/sns-stand-in.js';
import type { LocalModeContext } from './context.js';

/**
 * Local mode's sample attribution budget (`budget set --tag team=finance --period day`) and its
 * check: the thresholds the simulation's own finance totals cross, each notified exactly once.
 */

/** The tag value the sample budget is on: analytics' dashboards and adhoc's console users use it. */
const SAMPLE_KEY = tagAttributionKey('team');
const SAMPLE_VALUE = 'finance';

/** The limit, as a share of what the day plans (enforcement elsewhere trims it): 100 % is crossed, 200 % is not. */
const LIMIT_SHARE_OF_PLANNED = 0.6;

/** The sample budget, sized from the planned day (every query as planned), so any seed crosses it. */
export function sampleAttributionBudget(
  ctx: LocalModeContext,
  updatedAt: string,
): AttributionBudget {
  const planned = attributionTruthOf(
    ctx.day.queries,
    new Map(ctx.day.queries.map((query) => [query.id, query.execution])),
    ctx.pricing,
  );
  const plannedUsd = usdFromNano(planned.get(SAMPLE_KEY)?.get(SAMPLE_VALUE)?.costNanoUsd ?? 0);
  const limitUsd = Math.max(0.01, Math.round(plannedUsd * LIMIT_SHARE_OF_PLANNED * 100) / 100);
  const parsed = parseAttributionBudget(
    attributionDayBudget(SAMPLE_KEY, SAMPLE_VALUE, limitUsd, updatedAt),
  );
  if (!parsed.ok) throw new Error(`sample attribution budget is invalid: ${parsed.reason}`);
  return parsed.budget;
}

export interface AttributionBudgetResult {
  readonly budget: AttributionBudget;
  /** The value's totals in the simulation's ground truth. */
  readonly truth: UsageTotals;
  readonly truthUsedPercent: number;
  /** The thresholds the truth crosses, ascending: each must be notified once. */
  readonly expected: readonly number[];
  /** The thresholds of the notifications the alerts topic got, ascending, repeats kept. */
  readonly notified: readonly number[];
  readonly matches: boolean;
}

/** The budget's notifications on the alerts topic against the thresholds the truth crosses. */
export function checkAttributionBudget(
  ctx: LocalModeContext,
  budget: AttributionBudget,
  truth: ReadonlyMap<string, ReadonlyMap<string, UsageTotals>>,
): AttributionBudgetResult {
  const totals = truth.get(budget.key)?.get(budget.value) ?? ZERO_TOTALS;
  const { usedPercent } = attributionBudgetUsageOf(budget, totals);
  const expected = budget.thresholds
    .map((threshold) => threshold.percent)
    .filter((percent) => usedPercent >= percent)
    .sort((a, b) => a - b);
  const notified = ctx.sns.messages
    .filter((message) => message.topicArn === ctx.alertsTopicArn)
    .map((message) => JSON.parse(messageForProtocol(message, 'sqs')) as BudgetAlert)
    .flatMap((alert) =>
      alert.kind === 'attribution-budget' && alert.attribution === budget.attribution
        ? [alert.thresholdPercent]
        : [],
    )
    .sort((a, b) => a - b);
  return {
    budget,
    truth: totals,
    truthUsedPercent: usedPercent,
    expected,
    notified,
    matches: expected.length === notified.length && expected.every((p, i) => notified[i] === p),
  };
}

/** The budget's lines of the summary: the truth's use of it, and its notifications with ✓ or ✗. */
export function formatAttributionBudget(result: AttributionBudgetResult): string[] {
  const { budget } = result;
  const percents = (values: readonly number[]) =>
    values.length === 0 ? 'none' : values.map((percent) => `${percent}%`).join(', ');
  const notCrossed = budget.thresholds
    .map((threshold) => threshold.percent)
    .filter((percent) => !result.expected.includes(percent));
  return [
    `Attribution budget ${attributionLabel(budget)} (${budget.period}, ${formatUsd(budget.limitUsd ?? 0)} USD, notify at ${percents(budget.thresholds.map((t) => t.percent))}): the simulation's ${budget.value} queries cost ${formatUsd(usdFromNano(result.truth.costNanoUsd))} USD, ${formatPercent(result.truthUsedPercent)} of it`,
    `  ${result.matches ? '✓' : '✗'} notified once at each threshold crossed (${percents(result.expected)}${notCrossed.length > 0 ? `; not ${percents(notCrossed)}` : ''}): alerts at ${percents(result.notified)}`,
  ];
}
