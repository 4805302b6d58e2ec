import type { QueryCaller } from '../usage/query-principal.js';

/**
 * Callers this instance has seen waiting on their query's item (its joins wrote them or read
 * them there), by query id, newest last, at most `capacity` of them. The query's recording then
 * replaces the waiting caller at once, counted under it, instead of a conditional put that the
 * waiting caller cancels and a second transaction. The table still decides: the replacement is
 * conditioned on the item being a waiting caller, and a record found instead means the query
 * was recorded already.
 */
export class WaitingCallers {
  private readonly callers = new Map<string, QueryCaller>();

  constructor(private readonly capacity = 50_000) {}

  get(queryExecutionId: string): QueryCaller | undefined {
    return this.callers.get(queryExecutionId);
  }

  remember(queryExecutionId: string, caller: QueryCaller): void {
    this.callers.delete(queryExecutionId);
    this.callers.set(queryExecutionId, caller);
    for (const oldest of this.callers.keys()) {
      if (this.callers.size <= this.capacity) break;
      this.callers.delete(oldest);
    }
  }

  /** The queries are recorded: their callers wait no more. */
  forget(queryExecutionIds: Iterable<string>): void {
    for (const id of queryExecutionIds) this.callers.delete(id);
  }
}
