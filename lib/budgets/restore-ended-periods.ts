import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { EnforcementStateOf, EnforcementTypes } from '../store/enforcement-store.js';
import { type SubjectPeriod, subjectNameOf, subjectPeriodOf } from './budget-subject.js';

/** What restore did for one budget period; the kind of budget adds what it gave back. */
export interface PeriodRestoreResult<Outcome extends string> {
  readonly outcome: Outcome | 'failed';
  readonly detail: string;
}

/**
 * Gives back what the enforcement of each ended period (of one subject, when `name` is given)
 * changed, one state at a time, with `restoreOne`, the kind's own rules. A state whose restore
 * fails is reported as failed and left active for the next run; the others go on. Each result
 * is logged under `message`.
 */
export async function restoreEndedPeriods<
  E extends EnforcementTypes,
  Result extends PeriodRestoreResult<string>,
>(input: {
  readonly subject: E['subject'];
  readonly states: readonly EnforcementStateOf<E>[];
  readonly at: Date;
  readonly name: string | undefined;
  readonly restoreOne: (state: EnforcementStateOf<E>) => Promise<Result>;
  /** The result of a state whose restore threw. */
  readonly failed: (key: SubjectPeriod<E['subject']>, detail: string) => Result;
  readonly logger: Log;
  readonly message: string;
}): Promise<Result[]> {
  const { subject, name, logger } = input;
  const ended = input.states.filter(
    (state) =>
      Date.parse(state.periodEnd) <= input.at.getTime() &&
      (name === undefined || subjectNameOf(subject, state) === name),
  );
  const results: Result[] = [];
  for (const state of ended) {
    const result = await input
      .restoreOne(state)
      .catch((error: unknown) =>
        input.failed(subjectPeriodOf(subject, state), describeError(error)),
      );
    results.push(result);
    const log = result.outcome === 'failed' ? logger.error : logger.info;
    log.call(logger, input.message, { ...result });
  }
  return results;
}
