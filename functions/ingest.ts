import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AthenaQueryExecutionSource } from '../lib/athena/athena-query-execution-source.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../lib/aws/clients.js';
import { loadConfig } from '../lib/config.js';
import { createRecordQueryEvents } from '../lib/ingest/record-query-events.js';
import { logger } from '../lib/logger.js';
import { CloudWatchMetricsPublisher } from '../lib/metrics/cloudwatch-metrics-publisher.js';
import { wireRecording } from '../lib/wiring/wire-recording.js';

const config = loadConfig();
const athena = createAthenaClient();

const recordQueries = wireRecording({
  config,
  athena,
  documents: createDocumentClient(),
  createSnsClient,
  metrics: new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace),
  logger,
})(new AthenaQueryExecutionSource(athena));

const recordQueryEvents = createRecordQueryEvents({ recordQueries, logger });

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
