/** What one sweep counted for one Spark workgroup. */
export interface SparkWorkgroupFigures {
  readonly workgroup: string;
  /** Sessions seen for the first time. */
  readonly sessions: number;
  readonly dpuMillis: number;
  readonly costNanoUsd: number;
}

/**
 * Publishes `SessionCount` and `SparkDpuHours` with the dimension `WorkGroup`, and the same
 * growth as `DpuHours` and `CostUsd`, the metrics SQL workgroups have, so the dashboard's usage
 * widgets and the hourly budget alarms see Spark workgroups too.
 */
export interface SparkSessionMetrics {
  publish(figures: readonly SparkWorkgroupFigures[], at: Date): Promise<void>;
}
