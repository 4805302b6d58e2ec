import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueryExecution, WorkGroup } from '@aws-sdk/client-athena';
import type { SimulatedDayKey } from '../simulation/simulated-day.js';
import { SimulatedAthenaAccount } from '../stand-ins/athena-stand-in.js';

/**
 * What `npm start -- --data DIR` keeps in DIR beside DynamoDB Local's database, so that
 * `npx athena-cost --local DIR <command>` serves the same account: the Athena side (workgroups
 * as the enforcer left them, the query history) lives in a stand-in's memory and would be lost
 * with the run.
 */
export const SAVED_ACCOUNT_FILE = 'athena-cost-account.json';

/** The file's shape; `version` changes when an older file can no longer be read. */
export interface SavedAccountFile extends SimulatedDayKey {
  readonly version: 1;
  readonly tableName: string;
  /** The data's clock: the last instant the simulation reached (ISO). */
  readonly clock: string;
  readonly workGroups: readonly WorkGroup[];
  readonly queryExecutions: readonly QueryExecution[];
}

/** A local account read back: its description and an Athena account to serve. */
export interface SavedAccount {
  readonly file: SavedAccountFile;
  readonly athena: SimulatedAthenaAccount;
  /** The data's clock, for commands whose "now" must not run ahead of the data. */
  readonly clock: Date;
}

/** Writes the account of a finished run to `dir` (atomically: a reader never sees half of it). */
export async function saveAccount(
  dir: string,
  run: {
    readonly tableName: string;
    readonly day: string;
    readonly seed: number;
    readonly clock: Date;
    readonly athena: SimulatedAthenaAccount;
  },
): Promise<string> {
  const file: SavedAccountFile = {
    version: 1,
    tableName: run.tableName,
    day: run.day,
    seed: run.seed,
    clock: run.clock.toISOString(),
    workGroups: run.athena.workGroupNames().flatMap((name) => run.athena.getWorkGroup(name) ?? []),
    queryExecutions: run.athena.queryExecutions(),
  };
  const path = join(dir, SAVED_ACCOUNT_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(file)}\n`);
  await rename(`${path}.tmp`, path);
  return path;
}

/** Reads the account `npm start -- --data dir` left; undefined when there is none. */
export async function loadSavedAccount(dir: string): Promise<SavedAccount | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, SAVED_ACCOUNT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const file = JSON.parse(text, reviveDates) as SavedAccountFile;
  if (file.version !== 1) {
    throw new Error(
      `${join(dir, SAVED_ACCOUNT_FILE)} is of version ${String(file.version)}, not 1`,
    );
  }
  const clock = new Date(file.clock);
  const athena = new SimulatedAthenaAccount(() => clock);
  for (const workGroup of file.workGroups) {
    if (workGroup.Name !== undefined) athena.addWorkGroup({ ...workGroup, Name: workGroup.Name });
  }
  // Oldest first, so the account numbers them in the order they were first put.
  for (const execution of [...file.queryExecutions].reverse()) athena.putQueryExecution(execution);
  return { file, athena, clock };
}

/** The SDK's Athena shapes hold these instants as Date; JSON holds them as ISO strings. */
const DATE_FIELDS = new Set(['SubmissionDateTime', 'CompletionDateTime', 'CreationTime']);

function reviveDates(key: string, value: unknown): unknown {
  return DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value;
}
