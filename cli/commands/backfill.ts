import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient } from '@aws-sdk/client-athena';
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError, loadConfig } from '../../lib/config.js';
import {
  formatDpuHours,
  formatUsd,
  jsonDpuHours,
  jsonUsd,
} from '../../lib/format/format-values.js';
import {
  ATHENA_HISTORY_DAYS,
  type ReconcileProgress,
  type ReconcileResult,
  type WorkgroupReconciliation,
} from '../../lib/reconcile/reconcile-workgroups.js';
import { DynamoDbAttributionReportSource } from '../../lib/store/dynamodb-attribution-report-source.js';
import { DAY_MS, periodBounds, periodKeyFor } from '../../lib/usage/period-keys.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { PRINCIPAL_KEY } from '../../lib/usage/query-principal.js';
import { wireReconcileWorkgroups } from '../../lib/wiring/wire-reconcile-workgroups.js';
import { describeServiceError } from '../aws-services.js';
import { type CliContext, defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { dayOption, workgroupFilterOption } from '../options.js';
import { createProgressBar } from '../output/progress-bar.js';
import { renderTable } from '../output/table.js';

/** Monitoring metrics are not sent for history: see the description. */
const noMetrics = { publish: async () => {} };

export default defineCommand({
  name: 'backfill',
  summary: "Record the finished queries of Athena's history that the monitor has not recorded",
  description: `
Lists each workgroup's queries with ListQueryExecutions, newest first, back to the start of
--since (UTC), and records the finished ones that have no record yet, exactly as the ingest
function would: query records, usage counters and budget enforcement. For a fresh install, or
after an outage of the event path. Athena keeps about ${ATHENA_HISTORY_DAYS} days of query history,
so --since may go back at most ${ATHENA_HISTORY_DAYS} days. Running it again records nothing twice.
Queries still queued or running are left to their events (or the scheduled reconcile).
--dry-run counts what would be recorded, with its DPU-hours and estimated cost, and writes
nothing. No CloudWatch metrics are sent for backfilled queries: they would be stamped with
today's time. Progress goes to stderr. Athena calls use AWS_ENDPOINT_URL_ATHENA when set;
prices come from PRICE_PER_DPU_HOUR_USD and PRICE_PER_TB_SCANNED_USD (defaults 0.30 and 5.00).
With the stack's attributePrincipals on, pass --attribute-principals (or set
ATTRIBUTE_PRINCIPALS=true), as the ingest and reconcile functions have it: each backfilled query
is then counted per principal too, under its caller when its CloudTrail record already waits for
it, else under unknown, so the principals still add up to the workgroup. Without it the
backfilled queries are left out of the principal counters, and the command warns when the table
has principal counters in a month it backfills.`,
  options: {
    since: {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: `First day (UTC) to backfill, at most ${ATHENA_HISTORY_DAYS} days ago`,
      required: true,
      schema: dayOption,
    },
    workgroup: workgroupFilterOption('all'),
    'dry-run': { type: 'boolean', description: 'Count what would be recorded; write nothing' },
    'attribute-principals': {
      type: 'boolean',
      description:
        'Count the queries per principal too, as the stack does with attributePrincipals=true (default: ATTRIBUTE_PRINCIPALS, else off)',
    },
  },
  formats: ['table', 'json'],
  examples: [
    'athena-cost backfill --since 2026-11-01 --table athena-cost-prod --dry-run',
    'athena-cost backfill --since 2026-11-01 --workgroup analytics --table athena-cost-prod',
    'athena-cost backfill --since 2026-11-01 --attribute-principals --table athena-cost-prod',
  ],
  async run(context) {
    const { flags } = context;
    const now = context.now();
    const since = periodBounds('day', flags.since).start;
    const today = periodBounds('day', periodKeyFor('day', now)).start;
    const earliest = new Date(today.getTime() - ATHENA_HISTORY_DAYS * DAY_MS);
    if (since < earliest) {
      const daysAgo = Math.round((today.getTime() - since.getTime()) / DAY_MS);
      throw new UsageError(
        `--since ${flags.since} is ${daysAgo} days ago: Athena keeps about ${ATHENA_HISTORY_DAYS} days of query history, so the earliest day to backfill is ${periodKeyFor('day', earliest)}`,
      );
    }
    if (since > today) {
      throw new UsageError(`--since ${flags.since} is in the future`);
    }

    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({
        ...context.env,
        TABLE_NAME: context.tableName,
        ...(flags.attributePrincipals ? { ATTRIBUTE_PRINCIPALS: 'true' } : {}),
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message);
      throw error;
    }
    if (!config.attributePrincipals) await warnIfPrincipalsCounted(context, since, now);
    const region = context.region === undefined ? {} : { region: context.region };
    const athena = new AthenaClient({ maxAttempts: 4, ...region });
    const logger = new Logger({
      serviceName: 'athena-cost-cli',
      logLevel: (context.env.ATHENA_COST_LOG_LEVEL ?? 'ERROR') as 'ERROR',
    });
    const reconcile = wireReconcileWorkgroups({
      config,
      athena,
      documents: context.documents(),
      createSnsClient: () => new SNSClient({ maxAttempts: 4, ...region }),
      usageMetrics: noMetrics,
      keepWatermarks: false,
      logger,
    });

    const bar = createProgressBar(context.stderr as typeof context.stderr & { isTTY?: boolean });
    const { dryRun } = flags;
    let result: ReconcileResult;
    try {
      result = await reconcile({
        since,
        graceMs: 0,
        dryRun,
        ...(flags.workgroup === undefined ? {} : { workgroups: [flags.workgroup] }),
        onProgress: (progress) => {
          bar.update({ fraction: overallFraction(progress), status: statusOf(progress, dryRun) });
          if (progress.done) {
            bar.note(
              `${progress.workgroup} (${progress.workgroupIndex + 1}/${progress.workgroupCount}): ${progress.listed} listed, ${progress.recorded} ${dryRun ? 'to record' : 'recorded'}`,
            );
          }
        },
      });
    } catch (error) {
      throw describeServiceError(
        error,
        'Athena',
        'cannot list the Athena workgroups',
        context.region,
        context.env,
      );
    } finally {
      bar.finish();
      athena.destroy();
    }

    if (context.format === 'json') {
      context.stdout.write(`${JSON.stringify(jsonOf(result, flags.since, dryRun), null, 2)}\n`);
    } else {
      context.stdout.write(tableOf(result, dryRun));
      context.stdout.write(summaryOf(result, flags.since, dryRun));
    }
    for (const workgroup of result.workgroups) {
      if (workgroup.error !== undefined) context.warn(`${workgroup.workgroup}: ${workgroup.error}`);
    }
    const incomplete = result.workgroups.some((workgroup) => !workgroup.complete);
    return result.failed > 0 || incomplete ? 1 : 0;
  },
});

/**
 * Warns when the table counts principals in a month the backfill covers but the backfill does
 * not: its queries would be missing from the principal counters (one item read per month).
 */
async function warnIfPrincipalsCounted(
  context: CliContext<unknown>,
  since: Date,
  now: Date,
): Promise<void> {
  const source = new DynamoDbAttributionReportSource(context.documents(), context.tableName);
  for (let at = since; at <= now; at = periodBounds('month', periodKeyFor('month', at)).end) {
    const month = periodKeyFor('month', at);
    if (await source.hasAttributionCounters(PRINCIPAL_KEY, 'month', month)) {
      context.warn(
        `the table counts principals in ${month} (the stack's attributePrincipals is on?) but this backfill does not: its queries will be missing from report --by principal. Pass --attribute-principals to count them under their caller or unknown.`,
      );
      return;
    }
  }
}

function overallFraction(progress: ReconcileProgress): number {
  if (progress.workgroupCount === 0) return 1;
  const span = progress.from.getTime() - progress.cutoff.getTime();
  const covered =
    progress.done || progress.reachedBack === undefined || span <= 0
      ? progress.done
        ? 1
        : 0
      : (progress.from.getTime() - progress.reachedBack.getTime()) / span;
  return (progress.workgroupIndex + Math.min(1, Math.max(0, covered))) / progress.workgroupCount;
}

function statusOf(progress: ReconcileProgress, dryRun: boolean): string {
  const back =
    progress.reachedBack === undefined
      ? ''
      : `, back to ${periodKeyFor('day', progress.reachedBack)}`;
  return `${progress.workgroup} (${progress.workgroupIndex + 1}/${progress.workgroupCount}): ${progress.listed} listed, ${progress.recorded} ${dryRun ? 'to record' : 'recorded'}${back}`;
}

const dpuHours = (millis: number) => formatDpuHours(dpuHoursFromMillis(millis));
const usd = (nano: number) => formatUsd(usdFromNano(nano));

function tableOf(result: ReconcileResult, dryRun: boolean): string {
  const rows = result.workgroups.map((workgroup) => [
    workgroup.workgroup,
    workgroup.listed,
    workgroup.alreadyRecorded + workgroup.recordedMeanwhile,
    dryRun ? workgroup.wouldRecord : workgroup.recorded,
    ...(dryRun
      ? [
          dpuHours(workgroup.wouldRecordTotals.dpuMillis),
          usd(workgroup.wouldRecordTotals.costNanoUsd),
        ]
      : []),
    workgroup.deferred,
    workgroup.failed,
    workgroup.error === undefined ? (workgroup.complete ? 'yes' : 'no') : 'error',
  ]);
  return renderTable(
    [
      { header: 'WORKGROUP' },
      { header: 'LISTED' },
      { header: 'ALREADY RECORDED' },
      { header: dryRun ? 'TO RECORD' : 'RECORDED' },
      ...(dryRun ? [{ header: 'DPU-HOURS' }, { header: 'EST. USD' }] : []),
      { header: 'RUNNING' },
      { header: 'FAILED' },
      { header: 'COMPLETE' },
    ],
    rows,
  );
}

function summaryOf(result: ReconcileResult, since: string, dryRun: boolean): string {
  const total = (of: (workgroup: WorkgroupReconciliation) => number) =>
    result.workgroups.reduce((sum, workgroup) => sum + of(workgroup), 0);
  if (dryRun) {
    return `\nDry run since ${since}: ${total((w) => w.wouldRecord)} queries would be recorded (${dpuHours(total((w) => w.wouldRecordTotals.dpuMillis))} DPU-hours, about $${usd(total((w) => w.wouldRecordTotals.costNanoUsd))}); nothing was written.\n`;
  }
  return `\nBackfill since ${since}: ${result.reconciled} queries recorded, ${total((w) => w.alreadyRecorded + w.recordedMeanwhile)} were already recorded, ${result.failed} failed.\n`;
}

function jsonOf(result: ReconcileResult, since: string, dryRun: boolean) {
  return {
    since,
    dryRun,
    recorded: result.reconciled,
    failed: result.failed,
    workgroups: result.workgroups.map((workgroup) => ({
      workgroup: workgroup.workgroup,
      listed: workgroup.listed,
      alreadyRecorded: workgroup.alreadyRecorded + workgroup.recordedMeanwhile,
      recorded: workgroup.recorded,
      ...(dryRun
        ? {
            wouldRecord: workgroup.wouldRecord,
            wouldRecordDpuHours: jsonDpuHours(
              dpuHoursFromMillis(workgroup.wouldRecordTotals.dpuMillis),
            ),
            wouldRecordCostUsd: jsonUsd(usdFromNano(workgroup.wouldRecordTotals.costNanoUsd)),
          }
        : {}),
      running: workgroup.deferred,
      failed: workgroup.failed,
      complete: workgroup.complete,
      reachedBack: workgroup.reachedBack,
      ...(workgroup.error === undefined ? {} : { error: workgroup.error }),
    })),
  };
}
