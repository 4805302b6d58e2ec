import type {
  AthenaError,
  EngineConfiguration,
  QueryExecution,
  QueryExecutionState,
  StatementType,
  WorkGroup,
} from '@aws-sdk/client-athena';
import { DAY_MS } from '../../lib/usage/period-keys.js';
import type { TerminalState } from '../../lib/usage/query-usage.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../environment/local-account.js';
import {
  ENGINE_PROPERTIES_CLASSIFICATION,
  effectiveMaxDpuCount,
} from '../stand-ins/athena-stand-in.js';
import { hashSeed } from './seeded-random.js';
import {
  attributedText,
  type SimulatedAttribution,
  simulatedAttributionOf,
} from './simulated-attribution.js';
import {
  ENGINE_VERSION,
  FAILURES,
  TB,
  type TemplateValues,
  UTILITY_TEMPLATES,
  type WorkgroupKind,
  type WorkgroupProfile,
} from './workgroup-profiles.js';

/**
 * One query of the simulated day: its plan drawn from its workgroup's profile, the limits of
 * the workgroup applied at submission, a stop, and the execution and state changes it yields.
 */

/** Every query completes at least this long before midnight, so it belongs to the day. */
const DAY_END_MARGIN_MS = 1_000;

/** Everything that decides a query's execution; timings in milliseconds. */
export interface QueryPlan {
  readonly id: string;
  readonly workgroup: string;
  readonly kind: WorkgroupKind;
  readonly statementType: StatementType;
  readonly substatementType: string;
  readonly query: string;
  /** What the simulation attributed the query to (written into `query`): the ground truth. */
  readonly attribution: SimulatedAttribution;
  readonly database: string;
  readonly submittedAtMs: number;
  readonly queueMs: number;
  readonly preProcessingMs: number;
  readonly planningMs: number;
  /** Engine time as finally reported (up to the failure or cancellation, if any). */
  readonly engineMs: number;
  readonly serviceMs: number;
  /** Peak DPUs; only for capacity queries that ran. */
  readonly dpuCount: number | undefined;
  /** The query's own DPU settings, as a client passes them to StartQueryExecution. */
  readonly engineConfiguration: EngineConfiguration | undefined;
  readonly bytes: number;
  readonly outcome: TerminalState;
  /** Cancelled before it left the queue: no engine time, no DPUs, nothing scanned. */
  readonly cancelledInQueue: boolean;
  readonly error: AthenaError | undefined;
  readonly stateChangeReason: string | undefined;
  /**
   * How many BatchGetQueryExecution calls report this id unprocessed before it is returned, as
   * Athena does under internal pressure (the Athena stand-in's `unprocessedOnce`).
   */
  readonly unprocessedFetches: number;
}

/** One step of an execution's life, as an "Athena Query State Change" event announces it. */
export interface StateChange {
  readonly state: QueryExecutionState;
  readonly previousState: QueryExecutionState | undefined;
  readonly at: Date;
  readonly sequenceNumber: number;
}

/** A query of the simulated day: its plan, its final execution and its state changes. */
export interface SimulatedQuery {
  readonly plan: QueryPlan;
  readonly id: string;
  readonly workgroup: string;
  readonly submittedAt: Date;
  /** Undefined when it was cancelled while queued. */
  readonly startedAt: Date | undefined;
  readonly completedAt: Date;
  readonly state: TerminalState;
  /** The terminal execution, as BatchGetQueryExecution returns it once the query finished. */
  readonly execution: QueryExecution;
  /** QUEUED, RUNNING (when it ran) and the terminal state, with EventBridge sequence numbers. */
  readonly changes: readonly StateChange[];
}

export function planQuery(
  profile: WorkgroupProfile,
  random: () => number,
  id: string,
  dayStartMs: number,
  day: string,
): QueryPlan {
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  const hour = weightedIndex(profile.hourly, random);
  const submittedAtMs = dayStartMs + hour * 3_600_000 + Math.floor(random() * 3_600_000);
  const values: TemplateValues = { day, hour: String(hour).padStart(2, '0'), pick };

  const statementRoll = random();
  const statementType: StatementType =
    statementRoll < profile.ddlRate
      ? 'DDL'
      : statementRoll < profile.ddlRate + profile.utilityRate
        ? 'UTILITY'
        : 'DML';
  const template = pick(
    statementType === 'DDL'
      ? profile.ddl
      : statementType === 'UTILITY'
        ? UTILITY_TEMPLATES
        : profile.dml,
  );

  // Engine time and bytes are correlated: big scans take long.
  const z1 = normal(random);
  const z2 = 0.7 * z1 + Math.sqrt(1 - 0.49) * normal(random);
  let engineMs: number;
  let bytes: number;
  let dpuCount: number | undefined;
  if (statementType === 'DML') {
    engineMs = clamp(
      Math.round(profile.engineMedianMs * Math.exp(profile.engineSigma * z1)),
      250,
      profile.engineCapMs,
    );
    bytes = clamp(
      Math.round(profile.bytesMedian * Math.exp(profile.bytesSigma * z2)),
      1_024,
      5 * TB,
    );
    dpuCount = profile.kind === 'capacity' ? sampleDpu(profile, random) : undefined;
  } else {
    // Metadata statements: seconds, nothing scanned, the minimum 4 DPUs on a reservation.
    engineMs = 300 + Math.floor(random() * 3_700);
    bytes = 0;
    dpuCount = profile.kind === 'capacity' ? 4 : undefined;
  }

  const queueMs = Math.round(clamp(150 * Math.exp(1.0 * normal(random)), 20, 120_000));
  const preProcessingMs = 20 + Math.floor(random() * 180);
  const planningMs = Math.min(engineMs, 80 + Math.floor(random() * 900));
  const serviceMs = 30 + Math.floor(random() * 250);

  const outcomeRoll = random();
  const detailRoll = random();
  let outcome: TerminalState = 'SUCCEEDED';
  let cancelledInQueue = false;
  let error: AthenaError | undefined;
  let stateChangeReason: string | undefined;
  if (outcomeRoll < profile.failureRate) {
    outcome = 'FAILED';
    error = pick(FAILURES);
    stateChangeReason = error.ErrorMessage;
    // Failed part-way: some engine time, a share of the scan.
    const share = 0.05 + 0.6 * detailRoll;
    engineMs = Math.max(1, Math.round(engineMs * share));
    bytes = Math.round(bytes * share);
  } else if (outcomeRoll < profile.failureRate + profile.cancelRate) {
    outcome = 'CANCELLED';
    stateChangeReason = 'Query cancelled by user';
    if (detailRoll < 0.3) {
      cancelledInQueue = true;
    } else {
      const share = 0.05 + 0.9 * random();
      engineMs = Math.max(1, Math.round(engineMs * share));
      bytes = Math.round(bytes * share);
    }
  }
  const unprocessedFetches = random() < 0.004 ? 2 : 0;
  const attribution = simulatedAttributionOf(
    profile.attribution,
    statementType,
    profile.name,
    submittedAtMs - dayStartMs,
    bytes,
  );

  return {
    id,
    workgroup: profile.name,
    kind: profile.kind,
    statementType,
    substatementType: template.substatementType,
    query: attributedText(template.text(values), attribution, profile.attribution, {
      workgroup: profile.name,
      day,
      hour: values.hour,
    }),
    attribution,
    database: profile.database,
    submittedAtMs,
    queueMs,
    preProcessingMs,
    planningMs: cancelledInQueue ? 0 : planningMs,
    engineMs: cancelledInQueue ? 0 : engineMs,
    serviceMs: cancelledInQueue ? 0 : serviceMs,
    dpuCount: cancelledInQueue ? undefined : dpuCount,
    engineConfiguration: ownDpuSettings(profile, statementType, submittedAtMs - dayStartMs, bytes),
    bytes: cancelledInQueue ? 0 : bytes,
    outcome,
    cancelledInQueue,
    error,
    stateChangeReason,
    unprocessedFetches,
  };
}

/**
 * The DPU settings the workgroup's own-DPU client passes with a data query, if this query is one
 * of its. Picked by a hash of what the seed decided (not by drawing from the seeded stream, so
 * other queries stay as they were, nor by the id, which changes with the day).
 */
function ownDpuSettings(
  profile: WorkgroupProfile,
  statementType: StatementType,
  offsetInDayMs: number,
  bytes: number,
): EngineConfiguration | undefined {
  const client = profile.ownDpuClient;
  if (client === undefined || statementType !== 'DML') return undefined;
  if ((hashSeed(`own-dpu:${offsetInDayMs}:${bytes}`) % 1000) / 1000 >= client.share) {
    return undefined;
  }
  return {
    Classifications: [
      {
        Name: ENGINE_PROPERTIES_CLASSIFICATION,
        Properties: { 'max-dpu-count': String(client.maxDpu) },
      },
    ],
  };
}

function sampleDpu(profile: WorkgroupProfile, random: () => number): number {
  const tiers: readonly (readonly [number, number])[] = [
    [4, 8],
    [12, 24],
    [28, 64],
    [68, 124],
  ];
  const [low, high] = tiers[weightedIndex(profile.dpuTiers, random)] ?? [4, 8];
  const steps = (high - low) / 4 + 1;
  return low + 4 * Math.floor(random() * steps);
}

/** Total time from submission to completion. */
function durationOf(plan: QueryPlan): number {
  return plan.queueMs + plan.preProcessingMs + plan.engineMs + plan.serviceMs;
}

/**
 * Adapts a plan to its workgroup's configuration at submission time: a `max-dpu-count` below
 * the plan's DPUs caps them (the query then runs longer on fewer DPUs), the query's own
 * `max-dpu-count` winning unless the workgroup enforces its configuration, and an on-demand query
 * that would scan past `BytesScannedCutoffPerQuery` is cancelled at the cutoff, as Athena does.
 * Keeps the completion inside the day. Returns the plan unchanged when nothing applies.
 */
export function applyLimits(plan: QueryPlan, workGroup: WorkGroup, dayEndMs: number): QueryPlan {
  let next = plan;
  const maxDpu = effectiveMaxDpuCount(workGroup, plan.engineConfiguration);
  if (next.dpuCount !== undefined && maxDpu !== undefined && next.dpuCount > maxDpu) {
    // Fewer DPUs: longer, though not proportionally (some stages do not parallelise).
    const engineMs = Math.round(next.engineMs * Math.sqrt(next.dpuCount / maxDpu));
    next = { ...next, dpuCount: maxDpu, engineMs };
  }
  const cutoff = workGroup.Configuration?.BytesScannedCutoffPerQuery;
  if (next.kind === 'on-demand' && cutoff !== undefined && next.bytes > cutoff) {
    next = {
      ...next,
      outcome: 'CANCELLED',
      error: undefined,
      stateChangeReason: `Query cancelled: the data scanned exceeded the workgroup's limit of ${cutoff} bytes per query`,
      engineMs: Math.max(1, Math.round((next.engineMs * cutoff) / next.bytes)),
      bytes: cutoff,
    };
  }
  // Completion strictly inside the day: move the submission earlier, else shorten the run.
  const latestCompletion = dayEndMs - DAY_END_MARGIN_MS;
  if (next.submittedAtMs + durationOf(next) > latestCompletion) {
    const dayStartMs = dayEndMs - DAY_MS;
    const submittedAtMs = Math.max(dayStartMs, latestCompletion - durationOf(next));
    next = { ...next, submittedAtMs };
    const overshoot = next.submittedAtMs + durationOf(next) - latestCompletion;
    if (overshoot > 0) next = { ...next, engineMs: Math.max(0, next.engineMs - overshoot) };
  }
  return next;
}

/**
 * Re-plans a query as stopped (StopQueryExecution) at `atMs`: cancelled in the queue if it had
 * not started, else cancelled after the engine time and scan share it had reached.
 */
export function cancelPlanAt(plan: QueryPlan, atMs: number): QueryPlan {
  const reason = 'Query cancelled by user';
  const startMs = plan.submittedAtMs + plan.queueMs;
  if (atMs <= startMs + plan.preProcessingMs) {
    return {
      ...plan,
      outcome: 'CANCELLED',
      cancelledInQueue: true,
      queueMs: Math.max(0, atMs - plan.submittedAtMs),
      preProcessingMs: 0,
      planningMs: 0,
      engineMs: 0,
      serviceMs: 0,
      dpuCount: undefined,
      bytes: 0,
      error: undefined,
      stateChangeReason: reason,
    };
  }
  const engineMs = Math.min(plan.engineMs, atMs - startMs - plan.preProcessingMs);
  const share = plan.engineMs > 0 ? engineMs / plan.engineMs : 0;
  return {
    ...plan,
    outcome: 'CANCELLED',
    engineMs,
    planningMs: Math.min(plan.planningMs, engineMs),
    serviceMs: Math.max(0, atMs - startMs - plan.preProcessingMs - engineMs),
    bytes: Math.round(plan.bytes * share),
    error: undefined,
    stateChangeReason: reason,
  };
}

/** Builds the execution and the state changes of a plan. */
export function materialize(plan: QueryPlan): SimulatedQuery {
  const submittedAt = new Date(plan.submittedAtMs);
  const startedAt = plan.cancelledInQueue
    ? undefined
    : new Date(plan.submittedAtMs + plan.queueMs + plan.preProcessingMs);
  const totalMs = durationOf(plan);
  const completedAt = new Date(plan.submittedAtMs + totalMs);
  const changes: StateChange[] = [
    { state: 'QUEUED', previousState: undefined, at: submittedAt, sequenceNumber: 1 },
  ];
  if (startedAt !== undefined) {
    changes.push({ state: 'RUNNING', previousState: 'QUEUED', at: startedAt, sequenceNumber: 2 });
  }
  changes.push({
    state: plan.outcome,
    previousState: startedAt === undefined ? 'QUEUED' : 'RUNNING',
    at: completedAt,
    sequenceNumber: changes.length + 1,
  });
  const execution: QueryExecution = {
    QueryExecutionId: plan.id,
    Query: plan.query,
    StatementType: plan.statementType,
    SubstatementType: plan.substatementType,
    ResultConfiguration: {
      OutputLocation: `s3://athena-results-${LOCAL_ACCOUNT_ID}-${LOCAL_REGION}/${plan.workgroup}/${plan.id}.csv`,
    },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: plan.database, Catalog: 'awsdatacatalog' },
    Status: {
      State: plan.outcome,
      SubmissionDateTime: submittedAt,
      CompletionDateTime: completedAt,
      ...(plan.stateChangeReason === undefined
        ? {}
        : { StateChangeReason: plan.stateChangeReason }),
      ...(plan.error === undefined ? {} : { AthenaError: plan.error }),
    },
    Statistics: {
      EngineExecutionTimeInMillis: plan.engineMs,
      DataScannedInBytes: plan.bytes,
      TotalExecutionTimeInMillis: totalMs,
      QueryQueueTimeInMillis: plan.queueMs,
      ServicePreProcessingTimeInMillis: plan.preProcessingMs,
      QueryPlanningTimeInMillis: plan.planningMs,
      ServiceProcessingTimeInMillis: plan.serviceMs,
      ResultReuseInformation: { ReusedPreviousResult: false },
      ...(plan.dpuCount === undefined ? {} : { DpuCount: plan.dpuCount }),
    },
    WorkGroup: plan.workgroup,
    EngineVersion: {
      SelectedEngineVersion: ENGINE_VERSION,
      EffectiveEngineVersion: ENGINE_VERSION,
    },
  };
  return {
    plan,
    id: plan.id,
    workgroup: plan.workgroup,
    submittedAt,
    startedAt,
    completedAt,
    state: plan.outcome,
    execution,
    changes,
  };
}

/** The execution as GetQueryExecution shows it while queued or running, at `atMs`. */
export function inFlightExecution(query: SimulatedQuery, atMs: number): QueryExecution {
  const running = query.startedAt !== undefined && atMs >= query.startedAt.getTime();
  const { execution } = query;
  return {
    ...execution,
    Status: { State: running ? 'RUNNING' : 'QUEUED', SubmissionDateTime: query.submittedAt },
    Statistics: {
      EngineExecutionTimeInMillis:
        running && query.startedAt !== undefined ? atMs - query.startedAt.getTime() : 0,
      DataScannedInBytes: 0,
      QueryQueueTimeInMillis: Math.min(query.plan.queueMs, atMs - query.submittedAt.getTime()),
    },
  };
}

function weightedIndex(weights: readonly number[], random: () => number): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let roll = random() * total;
  for (let index = 0; index < weights.length; index++) {
    roll -= weights[index] ?? 0;
    if (roll < 0) return index;
  }
  return weights.length - 1;
}

/** Standard normal draw (Box-Muller) from a seeded stream. */
function normal(random: () => number): number {
  let u = random();
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
