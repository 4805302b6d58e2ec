import type { QueryExecution } from '../athena/query-execution.js';
import type { FetchedExecutions, QueryExecutionSource } from '../athena/query-execution-source.js';
import {
  ExpiredPageTokenError,
  type QueryHistory,
  type QueryHistoryPage,
} from '../athena/query-history.js';
import type { Pricing } from '../config.js';
import { describeError } from '../errors/describe-error.js';
import type { RecordQueries } from '../ingest/record-queries.js';
import type { Log } from '../log.js';
import type { ReconcileMetrics } from '../metrics/reconcile-metrics.js';
import type { ReconcileState, ReconcileStateStore } from '../store/reconcile-state-store.js';
import type { RecordedQueryIndex } from '../store/recorded-query-index.js';
import { DAY_MS } from '../usage/period-keys.js';
import { deriveQueryUsage, isTerminalState, type QueryUsage } from '../usage/query-usage.js';
import { addTotals, totalsOf, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { freshPass, holdBack, nextReconcileState, resumedPass } from './reconcile-watermark.js';

/**
 * Reconciliation: compares Athena's own history (ListQueryExecutions, newest first) with the
 * query records and records, through the one recording path, the finished queries the event
 * path missed. Used on a schedule (with a watermark per workgroup) and by `backfill` (from a
 * date, stateless).
 *
 * How far back a run looks. ListQueryExecutions gives ids only, so each page is first looked up
 * in the table (one BatchGetItem of up to 50 keys projecting `pk, submittedAt`): in the steady
 * state every id is recorded and the records' own `submittedAt` tells how far back the page
 * reaches, with no Athena call beyond the listing. Only the ids not recorded are fetched with
 * BatchGetQueryExecution (one call per page at most), whose SubmissionDateTime completes the
 * picture; those executions are then handed to `recordQueries` as they are, so a missing query
 * costs one BatchGet, not two. The listing stops after the first page holding a query
 * submitted before the cutoff: the watermark minus a safety margin (ordering ties, clock skew,
 * queries listed late) in scheduled runs, `since` in a backfill.
 *
 * The watermark. After a complete pass the watermark becomes the pass's start, held back to the
 * submission time of the earliest query the pass left for later: still queued or running,
 * finished within the grace period (its event is probably still on its way, and counting it
 * here would report a miss that is not one), or failed to record. A query that could not even
 * be fetched has no known time: then the watermark stays where it was. A pass that runs out of
 * time saves its ListQueryExecutions token and the next run continues from there (or starts
 * over if Athena no longer accepts the token); the watermark moves only when a pass completes.
 */

export interface ReconcileSettings {
  /** Scheduled runs look back this far before the watermark. */
  readonly safetyMarginMs: number;
  /** A query finished this recently is left to its event (and held for the next run). */
  readonly graceMs: number;
  /** Where a workgroup's first scheduled pass reaches back to; older history is backfill's. */
  readonly initialLookbackMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  safetyMarginMs: 30 * 60_000,
  graceMs: 5 * 60_000,
  initialLookbackMs: 60 * 60_000,
};

export interface ReconcileDependencies {
  readonly history: QueryHistory;
  readonly recorded: RecordedQueryIndex;
  /** Fetches the executions of ids not yet recorded (BatchGetQueryExecution). */
  readonly executions: QueryExecutionSource;
  /**
   * The recording path, reading executions from the given source: reconciliation passes the
   * executions it has just fetched, so `recordQueries` does not fetch them again.
   */
  readonly recordQueriesFrom: (source: QueryExecutionSource) => RecordQueries;
  /** Needed by scheduled runs; a backfill neither reads nor writes it. */
  readonly state?: ReconcileStateStore;
  /** `ReconciledQueries`; absent for a backfill. */
  readonly metrics?: ReconcileMetrics;
  /** For the dry run's usage estimate. */
  readonly pricing: Pricing;
  readonly logger: Log;
  readonly settings?: Partial<ReconcileSettings>;
  readonly now?: () => Date;
}

export interface ReconcileOptions {
  /** Epoch ms after which no further page is started; the first page of a run always runs. */
  readonly deadline?: number;
  /** Backfill: reach back to this instant, ignore and keep the watermarks. */
  readonly since?: Date;
  /** Only these workgroups (default: every workgroup ListWorkGroups returns). */
  readonly workgroups?: readonly string[];
  /** Count what would be recorded; record nothing and save nothing. */
  readonly dryRun?: boolean;
  /** Overrides the settings' grace period (a backfill uses 0). */
  readonly graceMs?: number;
  readonly onProgress?: (progress: ReconcileProgress) => void;
}

/** Where a run is, after each page. */
export interface ReconcileProgress {
  readonly workgroup: string;
  /** 0-based position of the workgroup in the run, and how many there are. */
  readonly workgroupIndex: number;
  readonly workgroupCount: number;
  readonly listed: number;
  readonly recorded: number;
  /** The run covers submission times from `cutoff` up to `from`; `reachedBack` is how far it got. */
  readonly from: Date;
  readonly cutoff: Date;
  readonly reachedBack: Date | undefined;
  readonly done: boolean;
}

/** What a run did for one workgroup. */
export interface WorkgroupReconciliation {
  readonly workgroup: string;
  /** Ids looked at. */
  listed: number;
  /** Already recorded when looked up. */
  alreadyRecorded: number;
  /** Recorded by this run: the queries the event path missed. */
  recorded: number;
  /** Found recorded by `recordQueries` itself: their events arrived meanwhile. */
  recordedMeanwhile: number;
  /** Dry run: finished queries that would be recorded, and their usage. */
  wouldRecord: number;
  wouldRecordTotals: UsageTotals;
  /** Queued, running, or finished within the grace period: left for a later run. */
  deferred: number;
  /** Not fetched or not recorded (their reasons are logged); retried by a later run. */
  failed: number;
  /** Reached the cutoff or the end of Athena's history. */
  complete: boolean;
  /** The oldest submission time seen (ISO). */
  reachedBack: string | undefined;
  /** The watermark after the run (scheduled runs). */
  watermark: string | undefined;
  /** Why the workgroup could not be reconciled, when it could not. */
  error: string | undefined;
}

export interface ReconcileResult {
  readonly workgroups: readonly WorkgroupReconciliation[];
  /** Queries recorded by this run (the `ReconciledQueries` total). */
  readonly reconciled: number;
  readonly failed: number;
  /** Workgroups left unfinished because the time budget ran out (continued next run). */
  readonly unfinished: number;
  readonly metricsPublished: boolean;
}

/** Athena keeps query history for about 45 days: a backfill cannot reach further. */
export const ATHENA_HISTORY_DAYS = 45;
export const ATHENA_HISTORY_MS = ATHENA_HISTORY_DAYS * DAY_MS;
/** What every workgroup of one run shares. */
interface RunContext {
  readonly options: ReconcileOptions;
  readonly backfill: boolean;
  readonly dryRun: boolean;
  readonly graceMs: number;
  readonly startedAt: Date;
  readonly states: ReadonlyMap<string, ReconcileState>;
  readonly workgroupCount: number;
  /** Whether another page may start: the first page of a run always may, then the deadline. */
  readonly mayStartPage: () => boolean;
  /** Counts a page listed, for {@link RunContext.mayStartPage}. */
  readonly pageListed: () => void;
}

export function createReconcileWorkgroups(deps: ReconcileDependencies) {
  const now = deps.now ?? (() => new Date());
  const settings = { ...DEFAULT_RECONCILE_SETTINGS, ...deps.settings };
  const { logger } = deps;

  return async function reconcileWorkgroups(
    options: ReconcileOptions = {},
  ): Promise<ReconcileResult> {
    const backfill = options.since !== undefined;
    if (!backfill && deps.state === undefined) {
      throw new Error('reconcileWorkgroups: a scheduled run needs a state store');
    }
    const dryRun = options.dryRun === true;
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const runStart = now();
    const names = options.workgroups ?? (await deps.history.listWorkgroups());
    const states =
      backfill || deps.state === undefined
        ? new Map<string, ReconcileState>()
        : await deps.state.loadAll();
    // Least recently saved first (never saved before all): a run that runs out of time leaves
    // the workgroups it did not reach at the front of the next run, so none is starved by
    // another's backlog.
    const lastSaved = (name: string) => states.get(name)?.updatedAt ?? '';
    const ordered = names
      .map((name, position) => ({ name, position }))
      .sort((a, b) => lastSaved(a.name).localeCompare(lastSaved(b.name)) || a.position - b.position)
      .map(({ name }) => name);

    let pagesThisRun = 0;
    const run: RunContext = {
      options,
      backfill,
      dryRun,
      graceMs: options.graceMs ?? settings.graceMs,
      startedAt: runStart,
      states,
      workgroupCount: ordered.length,
      mayStartPage: () => pagesThisRun === 0 || now().getTime() < deadline,
      pageListed: () => {
        pagesThisRun++;
      },
    };
    const results: WorkgroupReconciliation[] = [];
    for (const [index, workgroup] of ordered.entries()) {
      results.push(
        run.mayStartPage()
          ? await reconcileWorkgroup(run, workgroup, index)
          : emptyResult(workgroup),
      );
    }

    let metricsPublished = false;
    if (!dryRun && deps.metrics !== undefined) {
      try {
        await deps.metrics.publishReconciled(
          new Map(results.map((result) => [result.workgroup, result.recorded])),
          now(),
        );
        metricsPublished = true;
      } catch (error) {
        logger.error('Could not publish ReconciledQueries', { error: describeError(error) });
      }
    }
    const summary: ReconcileResult = {
      workgroups: results,
      reconciled: sum(results, (result) => result.recorded),
      failed: sum(results, (result) => result.failed + (result.error === undefined ? 0 : 1)),
      unfinished: results.filter((result) => !result.complete).length,
      metricsPublished,
    };
    logger.info('Reconciled', {
      workgroups: results.length,
      reconciled: summary.reconciled,
      failed: summary.failed,
      unfinished: summary.unfinished,
      deferred: sum(results, (result) => result.deferred),
      listed: sum(results, (result) => result.listed),
      metricsPublished,
      dryRun,
      since: options.since?.toISOString(),
      tookMs: now().getTime() - runStart.getTime(),
    });
    for (const result of results) {
      if (result.recorded > 0) {
        logger.warn('Recorded queries the events had missed', {
          workgroup: result.workgroup,
          recorded: result.recorded,
        });
      }
    }
    return summary;
  };

  /**
   * One workgroup's pass: lists its history page by page from where the last run stopped (or
   * the newest query) until the cutoff, the end of the history or the deadline, reconciles each
   * page, then saves the watermark or the place to continue from (scheduled runs).
   */
  async function reconcileWorkgroup(
    run: RunContext,
    workgroup: string,
    index: number,
  ): Promise<WorkgroupReconciliation> {
    const result = emptyResult(workgroup);
    const saved = run.states.get(workgroup);
    const watermarkUsed =
      saved?.watermark ??
      new Date(run.startedAt.getTime() - settings.initialLookbackMs).toISOString();
    const cutoff =
      run.options.since?.getTime() ?? Date.parse(watermarkUsed) - settings.safetyMarginMs;
    const ignoreBefore = run.backfill ? cutoff : Number.NEGATIVE_INFINITY;
    let pass = resumedPass(run.backfill ? undefined : saved?.pass, run.startedAt.getTime());
    let token = run.backfill ? undefined : saved?.pass?.nextToken;
    let reachedBack: number | undefined;
    let pagesListed = 0;
    const report = (done: boolean) =>
      run.options.onProgress?.({
        workgroup,
        workgroupIndex: index,
        workgroupCount: run.workgroupCount,
        listed: result.listed,
        recorded: run.dryRun ? result.wouldRecord : result.recorded,
        from: new Date(pass.startedAt),
        cutoff: new Date(cutoff),
        reachedBack: reachedBack === undefined ? undefined : new Date(reachedBack),
        done,
      });

    try {
      while (run.mayStartPage()) {
        let page: QueryHistoryPage;
        try {
          page = await deps.history.listQueryExecutionIds(workgroup, token);
        } catch (error) {
          if (!(error instanceof ExpiredPageTokenError)) throw error;
          // The saved place is lost: start a fresh pass from the newest query. The pages
          // already seen are all recorded now, so going over them again costs lookups only.
          logger.warn('Reconcile pass starts over', { workgroup, reason: describeError(error) });
          token = undefined;
          pass = freshPass(now().getTime());
          continue;
        }
        run.pageListed();
        pagesListed++;
        const oldest = await reconcilePage(page.queryExecutionIds, {
          result,
          dryRun: run.dryRun,
          graceMs: run.graceMs,
          ignoreBefore,
          hold: (submittedAt) => {
            pass = holdBack(pass, submittedAt);
          },
        });
        if (oldest !== undefined) reachedBack = Math.min(reachedBack ?? oldest, oldest);
        token = page.nextToken;
        if (token === undefined || (oldest !== undefined && oldest < cutoff)) {
          result.complete = true;
          break;
        }
        report(false);
      }
    } catch (error) {
      result.error = describeError(error);
      logger.error('Could not reconcile workgroup', { workgroup, error: result.error });
    }
    result.reachedBack =
      reachedBack === undefined ? undefined : new Date(reachedBack).toISOString();
    report(true);

    if (run.backfill || run.dryRun || deps.state === undefined) return result;
    const next = nextReconcileState({
      workgroup,
      saved,
      watermarkUsed,
      pass,
      complete: result.complete,
      nextToken: token,
      pagesListed,
    });
    result.watermark = next?.watermark ?? saved?.watermark;
    if (next === undefined) return result;
    try {
      if (!(await deps.state.save(next, now()))) {
        logger.warn('Another run saved this workgroup first; its progress stands', { workgroup });
        result.watermark = saved?.watermark;
      }
    } catch (error) {
      // Not saving only means the next run looks at the same queries again.
      result.error ??= `progress not saved: ${describeError(error)}`;
      logger.error('Could not save reconcile progress', { workgroup, error: result.error });
    }
    return result;
  }

  /**
   * Looks one page of ids up, records the missing finished ones and returns the oldest known
   * submission time on the page.
   */
  async function reconcilePage(
    ids: readonly string[],
    page: {
      readonly result: WorkgroupReconciliation;
      readonly dryRun: boolean;
      readonly graceMs: number;
      readonly ignoreBefore: number;
      readonly hold: (submittedAt: number | undefined) => void;
    },
  ): Promise<number | undefined> {
    const { result } = page;
    const unique = [...new Set(ids)];
    result.listed += unique.length;
    if (unique.length === 0) return undefined;
    let oldest: number | undefined;
    const see = (time: number | undefined) => {
      if (time !== undefined && Number.isFinite(time)) oldest = Math.min(oldest ?? time, time);
    };

    const recorded = await deps.recorded.lookup(unique);
    for (const { submittedAt } of recorded.values()) {
      see(submittedAt === undefined ? undefined : Date.parse(submittedAt));
    }
    result.alreadyRecorded += recorded.size;
    const missing = unique.filter((id) => !recorded.has(id));
    if (missing.length === 0) return oldest;

    const fetched = await deps.executions.fetchExecutions(missing);
    const byId = new Map<string, QueryExecution>();
    for (const execution of fetched.executions) {
      if (execution.QueryExecutionId) byId.set(execution.QueryExecutionId, execution);
    }
    const settledBefore = now().getTime() - page.graceMs;
    const submittedAt = new Map<string, number | undefined>();
    const toRecord: string[] = [];
    for (const id of missing) {
      const execution = byId.get(id);
      if (execution === undefined) {
        result.failed++;
        page.hold(undefined);
        logger.warn('Could not fetch a query missing from the records; a later run retries', {
          queryExecutionId: id,
          reason: fetched.failures.get(id) ?? 'not returned by BatchGetQueryExecution',
        });
        continue;
      }
      const submitted = timeOf(execution.Status?.SubmissionDateTime);
      submittedAt.set(id, submitted);
      see(submitted);
      if (submitted !== undefined && submitted < page.ignoreBefore) continue;
      const completed = timeOf(execution.Status?.CompletionDateTime);
      if (
        !isTerminalState(execution.Status?.State) ||
        completed === undefined ||
        completed > settledBefore
      ) {
        result.deferred++;
        page.hold(submitted);
        continue;
      }
      toRecord.push(id);
    }
    if (toRecord.length === 0) return oldest;

    if (page.dryRun) {
      const usages: QueryUsage[] = [];
      for (const id of toRecord) {
        const derived = deriveQueryUsage(byId.get(id) as QueryExecution, deps.pricing);
        if (derived.ok) usages.push(derived.usage);
        else result.failed++;
      }
      result.wouldRecord += usages.length;
      result.wouldRecordTotals = addTotals(result.wouldRecordTotals, totalsOf(usages));
      return oldest;
    }

    const recordQueries = deps.recordQueriesFrom(servedFrom(fetched.executions));
    const outcome = await recordQueries(toRecord);
    result.recorded += outcome.counts.recorded;
    result.recordedMeanwhile += outcome.counts.alreadyRecorded;
    const recordedNow = new Set(outcome.recorded.map((usage) => usage.queryExecutionId));
    for (const id of outcome.failures.keys()) {
      result.failed++;
      // A query recorded whose budget enforcement failed stays recorded: no need to hold.
      if (!recordedNow.has(id)) page.hold(submittedAt.get(id));
    }
    return oldest;
  }
}

export type ReconcileWorkgroups = ReturnType<typeof createReconcileWorkgroups>;

/** A source that serves executions already fetched, so recording does not fetch them again. */
export function servedFrom(executions: readonly QueryExecution[]): QueryExecutionSource {
  const byId = new Map<string, QueryExecution>();
  for (const execution of executions) {
    if (execution.QueryExecutionId) byId.set(execution.QueryExecutionId, execution);
  }
  return {
    async fetchExecutions(ids: readonly string[]): Promise<FetchedExecutions> {
      const found: QueryExecution[] = [];
      const failures = new Map<string, string>();
      for (const id of ids) {
        const execution = byId.get(id);
        if (execution === undefined) failures.set(id, 'not among the executions fetched');
        else found.push(execution);
      }
      return { executions: found, failures };
    },
  };
}

function emptyResult(workgroup: string): WorkgroupReconciliation {
  return {
    workgroup,
    listed: 0,
    alreadyRecorded: 0,
    recorded: 0,
    recordedMeanwhile: 0,
    wouldRecord: 0,
    wouldRecordTotals: ZERO_TOTALS,
    deferred: 0,
    failed: 0,
    complete: false,
    reachedBack: undefined,
    watermark: undefined,
    error: undefined,
  };
}

function timeOf(value: Date | undefined): number | undefined {
  return value instanceof Date && Number.isFinite(value.getTime()) ? value.getTime() : undefined;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
