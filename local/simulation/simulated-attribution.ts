import type { StatementType } from '@aws-sdk/client-athena';
import { hashSeed, seededRandom, seededUuid } from './seeded-random.js';

/**
 * Who the simulated account's queries belong to: dbt runs (dbt-athena puts dbt-core's query
 * comment in every statement it runs) and ad hoc queries with `-- athena-cost:` tags. The
 * simulation decides a query's attribution first and writes it into the SQL text, so what it
 * decided is the ground truth the counters are checked against, independent of the parser.
 */

/** What a simulated query is attributed to, as the simulation decided it. */
export interface SimulatedAttribution {
  /** The dbt node id, e.g. `model.lake.orders_daily`. */
  readonly dbtModel?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

export const NO_SIMULATED_ATTRIBUTION: SimulatedAttribution = { tags: {} };

/** How a workgroup's data queries are attributed. */
export interface AttributionProfile {
  /** This share of the data queries are dbt model runs. */
  readonly dbt?: {
    readonly share: number;
    readonly profileName: string;
    readonly target: string;
    readonly models: readonly string[];
  };
  /** This share of the data queries carry a value of each of these tag keys. */
  readonly tags?: {
    readonly share: number;
    readonly values: Readonly<Record<string, readonly string[]>>;
  };
}

/** The dbt-core version the simulated dbt-athena runs report in their query comment. */
const DBT_VERSION = '1.8.7';

/**
 * A data query's attribution, decided by a hash of what the seed decided (its offset in the day
 * and size), not by drawing from the plan's seeded stream: the day's queries, their totals and
 * the budgets calibrated on them stay as they were.
 */
export function simulatedAttributionOf(
  profile: AttributionProfile | undefined,
  statementType: StatementType,
  workgroup: string,
  offsetInDayMs: number,
  bytes: number,
): SimulatedAttribution {
  if (profile === undefined || statementType !== 'DML') return NO_SIMULATED_ATTRIBUTION;
  const random = seededRandom(hashSeed(`attribution:${workgroup}:${offsetInDayMs}:${bytes}`));
  const pick = <T>(items: readonly T[]): T | undefined =>
    items[Math.floor(random() * items.length)];
  const dbtModel =
    profile.dbt !== undefined && random() < profile.dbt.share
      ? pick(profile.dbt.models)
      : undefined;
  const tags: Record<string, string> = {};
  if (profile.tags !== undefined && random() < profile.tags.share) {
    for (const [key, values] of Object.entries(profile.tags.values)) {
      const value = pick(values);
      if (value !== undefined) tags[key] = value;
    }
  }
  return { dbtModel, tags };
}

/**
 * The SQL text as the client sends it: dbt-core's default query comment first (with the
 * `invocation_id` a project's `query_comment` macro adds; one dbt invocation per workgroup and
 * hour), the statement, then the `-- athena-cost:` line.
 */
export function attributedText(
  text: string,
  attribution: SimulatedAttribution,
  profile: AttributionProfile | undefined,
  invocation: { readonly workgroup: string; readonly day: string; readonly hour: string },
): string {
  let sql = text;
  if (attribution.dbtModel !== undefined && profile?.dbt !== undefined) {
    const invocationId = seededUuid(
      seededRandom(hashSeed(`dbt:${invocation.workgroup}:${invocation.day}:${invocation.hour}`)),
    );
    const comment = JSON.stringify({
      app: 'dbt',
      dbt_version: DBT_VERSION,
      profile_name: profile.dbt.profileName,
      target_name: profile.dbt.target,
      node_id: attribution.dbtModel,
      invocation_id: invocationId,
    })
      .replaceAll('","', '", "')
      .replaceAll('":"', '": "');
    sql = `/* ${comment} */\n${sql}`;
  }
  const tags = Object.entries(attribution.tags);
  if (tags.length > 0)
    sql += `\n-- athena-cost: ${tags.map(([key, value]) => `${key}=${value}`).join(' ')}`;
  return sql;
}
