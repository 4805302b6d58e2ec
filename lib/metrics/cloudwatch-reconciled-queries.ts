import { type CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { RECONCILED_QUERIES_METRIC } from './reconcile-metrics.js';

/**
 * How many queries reconciliation recorded in [start, end): the `ReconciledQueries` total
 * (published without dimension by every run) summed by GetMetricStatistics.
 */
export async function reconciledQueriesBetween(
  cloudWatch: CloudWatchClient,
  namespace: string,
  start: Date,
  end: Date,
): Promise<number> {
  const output = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: RECONCILED_QUERIES_METRIC,
      StartTime: start,
      EndTime: end,
      Period: Math.max(60, Math.round((end.getTime() - start.getTime()) / 1000)),
      Statistics: ['Sum'],
    }),
  );
  return (output.Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
}
