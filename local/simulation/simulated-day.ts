import type { QueryExecution } from '@aws-sdk/client-athena';
import type { Pricing } from '../../lib/config.js';
import { DAY_MS } from '../../lib/usage/period-keys.js';
import { DBT_MODEL_KEY, tagAttributionKey } from '../../lib/usage/query-attribution.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import {
  addTotals,
  totalsOf,
  type UsageTotals,
  ZERO_TOTALS,
} from '../../lib/usage/usage-totals.js';
import type { SimulatedAthenaAccount, WorkGroupInit } from '../stand-ins/athena-stand-in.js';
import {
  applyLimits,
  materialize,
  planQuery,
  type QueryPlan,
  type SimulatedQuery,
} from './query-plan.js';
import { hashSeed, seededRandom, seededUuid } from './seeded-random.js';
import {
  ADHOC_PROFILE,
  type WorkgroupKind,
  type WorkgroupProfile,
  workgroupInit,
  workgroupProfiles,
} from './workgroup-profiles.js';

/**
 * A deterministic, realistic day of an Athena account: a few workgroups on a capacity
 * reservation (queries carry a peak `DpuCount`) and one on-demand workgroup (billed by bytes
 * scanned), with the daily rhythm, size distributions, failures, cancellations and DDL of a real
 * account. The same seed gives the same workgroups, queries and totals whatever the day; the
 * day only moves the timestamps (and the query ids, so that days never collide in one table).
 *
 * All the randomness comes from seeded mulberry32 streams, never from `Math.random`.
 */

/** One workgroup of the simulated account. */
export interface SimulatedWorkgroup {
  readonly name: string;
  readonly kind: WorkgroupKind;
  /** What to seed the Athena stand-in with. */
  readonly init: WorkGroupInit;
}

/** Which simulated day: the seed of its random plan and the UTC day it covers. */
export interface SimulatedDayKey {
  readonly seed: number;
  /** UTC day, `YYYY-MM-DD`: the key of the day counters. */
  readonly day: string;
}

export interface SimulatedDayOptions extends SimulatedDayKey {
  readonly queries: number;
  readonly workgroups: number;
}

/** A whole simulated day: every query submitted from 00:00 and finished before 24:00 UTC. */
export interface SimulatedDay extends SimulatedDayKey {
  readonly start: Date;
  /** Exclusive: midnight of the next day. */
  readonly end: Date;
  readonly workgroups: readonly SimulatedWorkgroup[];
  /** Planned queries in submission order. */
  readonly queries: readonly SimulatedQuery[];
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export const utcDayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** Midnight UTC starting a `YYYY-MM-DD` day; throws on a malformed or impossible date. */
export function dayStart(day: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = match ? new Date(`${day}T00:00:00.000Z`) : new Date(Number.NaN);
  if (Number.isNaN(start.getTime()) || utcDayOf(start) !== day) {
    throw new RangeError(`not a valid UTC day (YYYY-MM-DD): ${day}`);
  }
  return start;
}

/**
 * Generates the day: `queries` queries spread over `workgroups` workgroups following each one's
 * rhythm, in submission order. Pure and deterministic.
 */
export function generateSimulatedDay(options: SimulatedDayOptions): SimulatedDay {
  const { seed, day } = options;
  if (!Number.isInteger(options.queries) || options.queries < 0) {
    throw new RangeError(`queries must be a non-negative integer, got ${options.queries}`);
  }
  const start = dayStart(day);
  const end = new Date(start.getTime() + DAY_MS);
  const profiles = workgroupProfiles(options.workgroups);
  // Content (what the queries are) depends on the seed only; ids also on the day.
  const random = seededRandom(seed);
  const ids = seededRandom(hashSeed(`ids:${seed}:${day}`));
  const totalWeight = profiles.reduce((sum, profile) => sum + profile.weight, 0);

  const plans: QueryPlan[] = [];
  for (let index = 0; index < options.queries; index++) {
    let roll = random() * totalWeight;
    let profile = profiles[profiles.length - 1] ?? ADHOC_PROFILE;
    for (const candidate of profiles) {
      roll -= candidate.weight;
      if (roll < 0) {
        profile = candidate;
        break;
      }
    }
    plans.push(planQuery(profile, random, seededUuid(ids), start.getTime(), day));
  }
  plans.sort((a, b) => a.submittedAtMs - b.submittedAtMs || a.id.localeCompare(b.id));
  const workgroups = profiles.map((profile) => ({
    name: profile.name,
    kind: profile.kind,
    init: workgroupInit(profile),
  }));
  const dayEndMs = end.getTime();
  return {
    seed,
    day,
    start,
    end,
    workgroups,
    queries: plans.map((plan) =>
      materialize(applyLimits(plan, workgroupInit(profileOf(profiles, plan.workgroup)), dayEndMs)),
    ),
  };
}

function profileOf(profiles: readonly WorkgroupProfile[], name: string): WorkgroupProfile {
  const profile = profiles.find((candidate) => candidate.name === name);
  if (profile === undefined) throw new Error(`unknown workgroup ${name}`);
  return profile;
}

/** Adds the day's workgroups to an Athena account (replacing same-named ones). */
export function addWorkgroupsTo(account: SimulatedAthenaAccount, day: SimulatedDay): void {
  for (const workgroup of day.workgroups) account.addWorkGroup(workgroup.init);
}

/**
 * The totals every workgroup must show for the day, computed from the executions that really
 * finished (rejected queries never ran), with the same pricing as the handler.
 */
export function groundTruthOf(
  executions: Iterable<QueryExecution>,
  workgroups: readonly string[],
  pricing: Pricing,
): Map<string, UsageTotals> {
  const usages = new Map<string, QueryUsage[]>();
  for (const name of workgroups) usages.set(name, []);
  for (const execution of executions) {
    const derived = deriveQueryUsage(execution, pricing);
    if (!derived.ok) throw new Error(`ground truth: ${derived.reason}`);
    const list = usages.get(derived.usage.workgroup) ?? [];
    list.push(derived.usage);
    usages.set(derived.usage.workgroup, list);
  }
  const totals = new Map<string, UsageTotals>();
  for (const [name, list] of usages) {
    totals.set(name, list.length === 0 ? ZERO_TOTALS : totalsOf(list));
  }
  return totals;
}

/**
 * What every attribution key's values must show for the day: the finished executions' usage
 * summed by what the simulation attributed each query to (its plan, not its parsed SQL text),
 * by key (`dbt.model`, `tag:<key>`) and value.
 */
export function attributionTruthOf(
  queries: readonly SimulatedQuery[],
  finished: ReadonlyMap<string, QueryExecution>,
  pricing: Pricing,
): Map<string, Map<string, UsageTotals>> {
  const truth = new Map<string, Map<string, UsageTotals>>();
  const add = (key: string, value: string, usage: QueryUsage) => {
    const values = truth.get(key) ?? new Map<string, UsageTotals>();
    values.set(value, addTotals(values.get(value) ?? ZERO_TOTALS, totalsOf([usage])));
    truth.set(key, values);
  };
  for (const query of queries) {
    const execution = finished.get(query.id);
    if (execution === undefined) continue;
    const derived = deriveQueryUsage(execution, pricing);
    if (!derived.ok) throw new Error(`ground truth: ${derived.reason}`);
    const { dbtModel, tags } = query.plan.attribution;
    if (dbtModel !== undefined) add(DBT_MODEL_KEY, dbtModel, derived.usage);
    for (const [key, value] of Object.entries(tags))
      add(tagAttributionKey(key), value, derived.usage);
  }
  return truth;
}
