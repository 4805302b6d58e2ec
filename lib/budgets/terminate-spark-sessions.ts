import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { SparkSessions, SparkSessionTerminator } from '../athena/spark-sessions.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { EnforcementKey } from '../store/enforcement-store.js';
import type { SessionTerminationStore } from '../store/session-termination-store.js';
import type { RunningWorkStopper } from './enforce-budgets.js';

/** TerminateSession calls in flight at once, well under Athena's API rate. */
const PARALLEL_TERMINATIONS = 5;

export interface SparkSessionTerminatorDependencies {
  /** ListSessions: the workgroup's active sessions. */
  readonly sessions: Pick<SparkSessions, 'listActiveSessionIds'>;
  readonly terminator: SparkSessionTerminator;
  readonly terminations: SessionTerminationStore;
  readonly logger: Log;
  readonly now?: () => Date;
}

/** What one pass over a workgroup's active sessions did. */
export interface SessionTerminationPass {
  readonly terminated: readonly string[];
  /** Already terminated by an earlier pass (or being terminated by another owner). */
  readonly alreadyTerminated: readonly string[];
  /** `id (error)`: TerminateSession failed; the claim is given back so a later pass retries. */
  readonly failed: readonly string[];
}

/**
 * Disable-now on a Spark workgroup, after the workgroup is disabled: sends TerminateSession to
 * each of its active sessions, once per session whatever the retries, redeliveries and
 * concurrent runs. The termination of each session is claimed (a conditional write) before the
 * call and recorded done after it; a failed call gives the claim back and fails the pass, so the
 * action is not recorded settled and the next evaluation terminates what is left.
 */
export function createSparkSessionTerminator(
  deps: SparkSessionTerminatorDependencies,
): RunningWorkStopper & {
  terminateActive(key: EnforcementKey, owner: string): Promise<SessionTerminationPass>;
} {
  const now = deps.now ?? (() => new Date());

  async function terminateActive(
    key: EnforcementKey,
    owner: string,
  ): Promise<SessionTerminationPass> {
    const active = await deps.sessions.listActiveSessionIds(key.workgroup);
    const terminated: string[] = [];
    const alreadyTerminated: string[] = [];
    const failed: string[] = [];
    await mapWithConcurrency(active, PARALLEL_TERMINATIONS, async (sessionId) => {
      if (!(await deps.terminations.claim(key, sessionId, owner, now()))) {
        alreadyTerminated.push(sessionId);
        return;
      }
      let state: string | undefined;
      try {
        state = await deps.terminator.terminateSession(sessionId);
      } catch (error) {
        failed.push(`${sessionId} (${describeError(error)})`);
        await deps.terminations.release(key, sessionId, owner).catch((releaseError: unknown) =>
          deps.logger.error(
            'Could not give back a session termination; it expires with its lease',
            {
              workgroup: key.workgroup,
              sessionId,
              error: describeError(releaseError),
            },
          ),
        );
        return;
      }
      // Sent and answered: should this record fail, the claim's lease runs out and a later pass
      // sends TerminateSession again, which Athena answers without effect on an ended session.
      await deps.terminations.complete(key, sessionId, state ?? 'unknown', now());
      terminated.push(sessionId);
    });
    return { terminated, alreadyTerminated, failed };
  }

  return {
    stops: 'sessions',
    intent: 'terminate its active Spark sessions',
    terminateActive,
    async stop(key, owner) {
      const pass = await terminateActive(key, owner);
      if (pass.failed.length > 0) {
        throw new Error(
          `terminated ${pass.terminated.length} of ${pass.terminated.length + pass.failed.length} active sessions; could not terminate ${pass.failed.join(', ')}`,
        );
      }
      return describeTerminationPass(pass);
    },
  };
}

/** `terminated 3 active sessions (s-1, s-2, s-3); 1 already terminated`. */
export function describeTerminationPass(pass: SessionTerminationPass): string {
  const count = (n: number) => `${n} active ${n === 1 ? 'session' : 'sessions'}`;
  let detail = `terminated ${count(pass.terminated.length)}`;
  if (pass.terminated.length > 0)
    detail += ` (${pass.terminated.slice(0, 5).join(', ')}${pass.terminated.length > 5 ? ', ...' : ''})`;
  if (pass.alreadyTerminated.length > 0)
    detail += `; ${pass.alreadyTerminated.length} already terminated`;
  return detail;
}
