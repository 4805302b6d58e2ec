import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { wireIngestFunction } from '../lib/wiring/wire-ingest-function.js';

const recordQueryEvents = wireIngestFunction(loadConfig(), logger);

/** Drains Athena state-change events from SQS; failed records are redelivered by SQS. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const result = await recordQueryEvents(
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
  );
  return {
    batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })),
  };
};
