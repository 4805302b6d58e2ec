import type { Pricing } from '../../lib/config.js';
import type { UsageTotals } from '../../lib/usage/usage-totals.js';
import type { LocalAws } from '../environment/local-aws.js';
import type { SimulatedClock } from '../simulation/simulated-clock.js';
import type { SimulatedDay } from '../simulation/simulated-day.js';
import type { ResolvedLocalModeOptions } from './options.js';

/** What the parts of local mode share while it runs: the hooks, the day's loop, the summary. */

/** Where local mode writes; `process.stdout` by default. */
export interface LocalModeOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** One invocation of the function during the simulation. */
export interface BatchInfo {
  /** 1-based. */
  readonly number: number;
  readonly atMs: number;
  readonly records: number;
  readonly failedRecords: number;
}

/**
 * Called after every invocation of the function, with the simulated clock at the batch's time.
 * What it does to the Athena stand-in (disable a workgroup, lower its DPU cap, stop queries)
 * shapes the rest of the day, as the enforcer's own changes do.
 */
export type AfterBatch = (ctx: LocalModeContext, batch: BatchInfo) => Promise<void> | void;

/**
 * What the hooks in local/mode/hooks.ts get: the local AWS environment (endpoints, clients and
 * stand-ins; `athena.account.updateWorkGroupCalls` lists what the enforcer did, `sns.messages`
 * the alerts), and the day being simulated.
 */
export interface LocalModeContext
  extends Pick<
    LocalAws,
    'region' | 'accountId' | 'endpoints' | 'clients' | 'athena' | 'cloudWatch' | 'sns'
  > {
  readonly options: ResolvedLocalModeOptions;
  readonly tableName: string;
  readonly metricsNamespace: string;
  readonly alertsTopicArn: string;
  readonly pricing: Pricing;
  /** The simulated day: workgroups and planned queries. */
  readonly day: SimulatedDay;
  /** Each workgroup's usage for the day as planned, before any enforcement. */
  readonly plannedTotals: ReadonlyMap<string, UsageTotals>;
  readonly clock: SimulatedClock;
  /**
   * What local mode sets for the function (endpoints, dummy credentials, TABLE_NAME, ...), on
   * top of the inherited environment. Also set in `process.env` for the duration of the run.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Writes one line to the run's output. */
  readonly out: (line?: string) => void;
}
