/**
 * Query ids this instance has seen recorded in the table, newest last, at most `capacity` of
 * them. A record, once committed, stays for its TTL (400 days), so an id found here needs no
 * conditional put to know it is recorded: a late duplicate then costs no cancelled transaction.
 * Ids not found here still go through the table's own check.
 */
export class RecentlyRecorded {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  has(queryExecutionId: string): boolean {
    return this.ids.has(queryExecutionId);
  }

  add(queryExecutionIds: Iterable<string>): void {
    for (const id of queryExecutionIds) {
      // Re-adding moves an id to the newest end, so eviction drops the least recently seen.
      this.ids.delete(id);
      this.ids.add(id);
    }
    for (const oldest of this.ids) {
      if (this.ids.size <= this.capacity) break;
      this.ids.delete(oldest);
    }
  }
}
