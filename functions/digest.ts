import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../lib/config.js';
import { type DailyDigest, digestDay } from '../lib/digest/daily-digest.js';
import { loadDigestConfig } from '../lib/digest/digest-config.js';
import { logger } from '../lib/logger.js';
import { wireDigestFunction } from '../lib/wiring/wire-digest-function.js';

const publishDailyDigest = wireDigestFunction(loadConfig(), loadDigestConfig(), logger);

/**
 * Runs every morning (07:00 UTC by default): publishes the digest of the UTC day before the
 * scheduled time to the alerts topic. A failure throws, so the function's Errors alarm tells.
 */
export const handler = async (event: ScheduledEvent, context: Context): Promise<DailyDigest> => {
  logger.addContext(context);
  // A hand-made test event may carry no time: the digest is then of the day before now.
  const scheduled = Date.parse(event?.time ?? '');
  const day = digestDay(undefined, new Date(Number.isNaN(scheduled) ? Date.now() : scheduled));
  const digest = await publishDailyDigest(day);
  logger.info('Daily digest published', {
    day,
    costUsd: digest.total.costUsd,
    actions: digest.actions.length,
  });
  return digest;
};
