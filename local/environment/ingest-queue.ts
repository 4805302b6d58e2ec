import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The ingest queue's settings as deployed: serverless.yml reads them from
 * resources/ingest-queue.json (its `batchSize` and `maxReceiveCount` parameters' defaults and the
 * queue's `VisibilityTimeout`), and local mode, the bench and the tests read the same file, so a
 * simulated queue cannot drift from the deployed one.
 */
export interface IngestQueueSettings {
  /** Records per invocation at most (the event source mapping's `batchSize`). */
  readonly batchSize: number;
  /** How long a received message stays hidden before it can be received again. */
  readonly visibilityTimeoutMs: number;
  /** Receives after which a failing message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

export const INGEST_QUEUE_SETTINGS_PATH = new URL(
  '../../resources/ingest-queue.json',
  import.meta.url,
);

const positiveInteger = z.number().int().positive();

const IngestQueueFile = z.object({
  batchSize: positiveInteger,
  visibilityTimeoutSeconds: positiveInteger,
  maxReceiveCount: positiveInteger,
});

export function readIngestQueueSettings(): IngestQueueSettings {
  const file = IngestQueueFile.parse(JSON.parse(readFileSync(INGEST_QUEUE_SETTINGS_PATH, 'utf8')));
  return {
    batchSize: file.batchSize,
    visibilityTimeoutMs: file.visibilityTimeoutSeconds * 1000,
    maxReceiveCount: file.maxReceiveCount,
  };
}

/** The settings, read once. */
export const INGEST_QUEUE: IngestQueueSettings = readIngestQueueSettings();
