export const RECONCILED_QUERIES_METRIC = 'ReconciledQueries';

/** Reports how many finished queries reconciliation recorded that the event path had missed. */
export interface ReconcileMetrics {
  publishReconciled(byWorkgroup: ReadonlyMap<string, number>, at: Date): Promise<void>;
}
