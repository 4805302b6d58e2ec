import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import type { RecordSparkSessionsResult } from '../lib/spark/record-spark-sessions.js';
import { athenaArnPrefixOf } from '../lib/spark/session-arn.js';
import { loadSparkConfig } from '../lib/spark/spark-config.js';
import { wireSparkSessionsFunction } from '../lib/wiring/wire-spark-sessions-function.js';

const recordSparkSessions = wireSparkSessionsFunction(loadConfig(), loadSparkConfig(), logger);

/**
 * Runs every 5 minutes: adds each Spark session's DPU time grown since the last sweep to its
 * workgroup's counters. Throws when a workgroup or session could not be read or counted, after
 * counting the others, so the function's Errors alarm tells an operator; the next run counts
 * from the same stored figures, losing nothing.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<RecordSparkSessionsResult> => {
  logger.addContext(context);
  const athenaArnPrefix = athenaArnPrefixOf(context.invokedFunctionArn);
  const result = await recordSparkSessions(
    athenaArnPrefix === undefined ? {} : { athenaArnPrefix },
  );
  if (result.failed > 0)
    throw new Error(
      `Spark accounting left ${result.failed} workgroups or sessions uncounted; the next run retries`,
    );
  return result;
};
