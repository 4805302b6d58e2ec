import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { INGEST_QUEUE } from '../../local/environment/ingest-queue.js';
import {
  type DeadLetter,
  type FeedMessage,
  SimulatedSqsQueue,
} from '../../local/simulation/event-feed.js';
import { lambdaContext } from './ingest-harness.js';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface RedeliveringQueueOptions {
  readonly batchSize?: number;
  /** Receives after which a failing message goes to the dead-letter queue (default: as deployed). */
  readonly maxReceiveCount?: number;
}

/** What draining did. */
export interface DrainResult {
  readonly invocations: number;
  /** Records handed to the handler, redeliveries included. */
  readonly received: number;
  readonly redelivered: number;
  readonly deadLetters: readonly DeadLetter[];
}

export interface DrainHooks {
  /** Runs before invocation `index` (0-based) starts. */
  readonly beforeInvocation?: (index: number) => Promise<void> | void;
}

/**
 * The ingest queue as the handler sees it, on a simulated clock: the local mode's
 * {@link SimulatedSqsQueue} (batches, `ApproximateReceiveCount`, redelivery of exactly the
 * records the handler reports in `batchItemFailures` after the visibility timeout, the
 * dead-letter queue past `maxReceiveCount`), driven here until it is empty.
 */
export class RedeliveringQueue {
  private readonly queue: SimulatedSqsQueue;

  constructor(
    private readonly handler: Handler,
    options: RedeliveringQueueOptions = {},
  ) {
    this.queue = new SimulatedSqsQueue({
      batchSize: options.batchSize ?? 10,
      batchingWindowMs: 0,
      visibilityTimeoutMs: INGEST_QUEUE.visibilityTimeoutMs,
      maxReceiveCount: options.maxReceiveCount ?? INGEST_QUEUE.maxReceiveCount,
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:athena-cost-test-ingest',
      region: 'us-east-1',
      seed: 7,
    });
  }

  /** Enqueues a message body; returns its message id. */
  send(body: string | Record<string, unknown>): string {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const detail = typeof body === 'string' ? undefined : (body.detail as Record<string, unknown>);
    const message: FeedMessage = {
      messageId: randomUUID(),
      body: text,
      queryExecutionId: String(detail?.queryExecutionId ?? ''),
      workgroup: String(detail?.workgroupName ?? ''),
      state: String(detail?.currentState ?? ''),
      kind: 'event',
      sentAtMs: 0,
      delayed: false,
    };
    this.queue.send(message);
    return message.messageId;
  }

  /**
   * Invokes the handler with batches until the queue is empty: every failed record comes back
   * (receive count + 1) until it succeeds or moves to the dead-letter queue. A handler that
   * throws fails its whole batch, as with Lambda.
   */
  async drain(hooks: DrainHooks = {}): Promise<DrainResult> {
    let invocations = 0;
    for (;;) {
      const at = this.queue.nextDispatchAtMs();
      if (at === undefined) break;
      const delivery = this.queue.receive(at);
      await hooks.beforeInvocation?.(invocations);
      invocations++;
      let failures: 'all' | string[];
      try {
        const response = await this.handler(delivery.event, lambdaContext);
        failures = response.batchItemFailures.map((failure) => failure.itemIdentifier);
      } catch {
        failures = 'all';
      }
      this.queue.settle(delivery, failures);
    }
    return {
      invocations,
      received: this.queue.received,
      redelivered: this.queue.redelivered,
      deadLetters: [...this.queue.deadLetters],
    };
  }
}
