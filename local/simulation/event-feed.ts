import { createHash } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { isTerminalState } from '../../lib/usage/query-usage.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../environment/local-account.js';
import type { SimulatedQuery, StateChange } from './query-plan.js';
import { hashSeed, seededRandom, seededUuid } from './seeded-random.js';

/**
 * What reaches the ingest function: EventBridge "Athena Query State Change" events, forwarded
 * by the rule (terminal states only) into SQS with the delivery noise of the real services, then
 * handed to the function in batches by a simulated SQS event source mapping that redelivers
 * what the function reports in `batchItemFailures` and dead-letters what keeps failing.
 *
 * Times are simulated epoch milliseconds; nothing here waits.
 */

/** Delivery noise of EventBridge → SQS. Rates are per terminal event. */
export interface FeedNoise {
  /** At-least-once delivery: the same event (same id) arrives twice. */
  readonly duplicateRate: number;
  /** Share of duplicates that arrive much later (a target retry), in a later batch. */
  readonly lateDuplicateShare: number;
  /** Events held back for minutes to hours, so a later batch carries an earlier query. */
  readonly delayedRate: number;
  /** A RUNNING event arriving after the terminal one, as if the rule were broader. */
  readonly lateRunningRate: number;
  /** Usual latency from the state change to the message being in the queue. */
  readonly latencyMs: readonly [number, number];
  /** Hold-back of delayed events and late duplicates. */
  readonly delayMs: readonly [number, number];
}

export const DEFAULT_NOISE: FeedNoise = {
  duplicateRate: 0.03,
  lateDuplicateShare: 0.25,
  delayedRate: 0.02,
  lateRunningRate: 0.005,
  latencyMs: [300, 2_500],
  delayMs: [5 * 60_000, 2 * 3_600_000],
};

export type FeedMessageKind = 'event' | 'duplicate' | 'late-running' | 'cloudtrail';

/** One message EventBridge puts in the ingest queue. */
export interface FeedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly queryExecutionId: string;
  readonly workgroup: string;
  readonly state: string;
  readonly kind: FeedMessageKind;
  /** When SQS accepted it (the `SentTimestamp`), simulated epoch ms. */
  readonly sentAtMs: number;
  /** Held back far longer than usual. */
  readonly delayed: boolean;
}

/** Counts of what the feed produced. */
export interface FeedStats {
  /** Messages put in the queue, duplicates and stray RUNNING events included. */
  messages: number;
  terminalEvents: number;
  duplicates: number;
  delayed: number;
  lateRunning: number;
}

/** An EventBridge "Athena Query State Change" event, shaped as the documented sample. */
export function stateChangeEvent(
  query: Pick<SimulatedQuery, 'id' | 'workgroup' | 'execution'>,
  change: StateChange,
  eventId: string,
): Record<string, unknown> {
  return {
    version: '0',
    id: eventId,
    'detail-type': 'Athena Query State Change',
    source: 'aws.athena',
    account: LOCAL_ACCOUNT_ID,
    // EventBridge stamps events to the second.
    time: change.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [],
    detail: {
      versionId: '0',
      currentState: change.state,
      ...(change.previousState === undefined ? {} : { previousState: change.previousState }),
      statementType: query.execution.StatementType ?? 'DML',
      queryExecutionId: query.id,
      workgroupName: query.workgroup,
      sequenceNumber: String(change.sequenceNumber),
    },
  };
}

/**
 * Turns finished queries into the messages the EventBridge rule delivers to SQS, with noise.
 * Deterministic: noise decisions depend on the seed only, ids also on the day.
 */
export class EventFeed {
  readonly stats: FeedStats = {
    messages: 0,
    terminalEvents: 0,
    duplicates: 0,
    delayed: 0,
    lateRunning: 0,
  };
  private readonly noiseRandom: () => number;
  private readonly ids: () => number;

  constructor(
    seed: number,
    day: string,
    private readonly noise: FeedNoise = DEFAULT_NOISE,
  ) {
    this.noiseRandom = seededRandom(hashSeed(`noise:${seed}`));
    this.ids = seededRandom(hashSeed(`feed-ids:${seed}:${day}`));
  }

  /** The messages for a query that just reached its terminal state, in no particular order. */
  messagesFor(query: SimulatedQuery): FeedMessage[] {
    const terminal = query.changes.at(-1);
    if (terminal === undefined || !isTerminalState(terminal.state)) {
      throw new Error(`query ${query.id} has not finished`);
    }
    const random = this.noiseRandom;
    const between = ([low, high]: readonly [number, number]) =>
      low + Math.floor(random() * (high - low));
    const eventId = seededUuid(this.ids);
    const body = JSON.stringify(stateChangeEvent(query, terminal, eventId));
    const at = terminal.at.getTime();
    const delayed = random() < this.noise.delayedRate;
    const sentAtMs =
      at + between(this.noise.latencyMs) + (delayed ? between(this.noise.delayMs) : 0);
    const messages: FeedMessage[] = [
      this.message(query, terminal, body, 'event', sentAtMs, delayed),
    ];
    this.stats.terminalEvents++;
    if (delayed) this.stats.delayed++;

    if (random() < this.noise.duplicateRate) {
      const late = random() < this.noise.lateDuplicateShare;
      const duplicateAt = sentAtMs + (late ? between(this.noise.delayMs) : between([0, 3_000]));
      messages.push(this.message(query, terminal, body, 'duplicate', duplicateAt, late));
      this.stats.duplicates++;
    }
    const running = query.changes.find((change) => change.state === 'RUNNING');
    if (running !== undefined && random() < this.noise.lateRunningRate) {
      const runningBody = JSON.stringify(stateChangeEvent(query, running, seededUuid(this.ids)));
      messages.push(
        this.message(
          query,
          running,
          runningBody,
          'late-running',
          sentAtMs + between([1_000, 20_000]),
          false,
        ),
      );
      this.stats.lateRunning++;
    }
    this.stats.messages += messages.length;
    return messages;
  }

  private message(
    query: SimulatedQuery,
    change: StateChange,
    body: string,
    kind: FeedMessageKind,
    sentAtMs: number,
    delayed: boolean,
  ): FeedMessage {
    return {
      messageId: seededUuid(this.ids),
      body,
      queryExecutionId: query.id,
      workgroup: query.workgroup,
      state: change.state,
      kind,
      sentAtMs,
      delayed,
    };
  }
}

/** Settings of the simulated queue and event source mapping (serverless.yml's, by default). */
export interface SqsQueueOptions {
  /** Records per invocation at most (`batchSize`). */
  readonly batchSize: number;
  /** How long the poller gathers records before invoking with fewer (`maximumBatchingWindow`). */
  readonly batchingWindowMs: number;
  /** How long a received message stays hidden before it can be received again. */
  readonly visibilityTimeoutMs: number;
  /** Receives after which a failing message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly queueArn: string;
  readonly region: string;
  /** Seed for receipt handles. */
  readonly seed: number;
}

/** A message that failed `maxReceiveCount` times and moved to the dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string;
  readonly queryExecutionId: string;
  readonly state: string;
  readonly receiveCount: number;
  readonly body: string;
}

interface QueuedMessage {
  readonly message: FeedMessage;
  readonly order: number;
  visibleAtMs: number;
  receiveCount: number;
  firstReceiveAtMs: number | undefined;
}

/** One invocation's worth of records. */
export interface SqsDelivery {
  readonly atMs: number;
  readonly event: SQSEvent;
  /** The messages behind `event.Records`, in the same order. */
  readonly messages: readonly FeedMessage[];
  /** `ApproximateReceiveCount` of each record. */
  readonly receiveCounts: readonly number[];
}

/** What became of a delivery's records. */
export interface SettleOutcome {
  readonly deleted: readonly FeedMessage[];
  readonly failed: readonly FeedMessage[];
  /** Failed records that will be received again after the visibility timeout. */
  readonly redelivered: number;
  readonly deadLettered: number;
  /** True when the response was invalid or the invocation threw: the whole batch failed. */
  readonly wholeBatchFailed: boolean;
}

/**
 * A standard SQS queue read by Lambda's event source mapping with `ReportBatchItemFailures`:
 * batches of up to `batchSize` records, sent when full or when the batching window since the
 * oldest visible record has passed, failed records back after the visibility timeout with
 * `ApproximateReceiveCount` + 1, and past `maxReceiveCount` receives into the dead-letter queue.
 */
export class SimulatedSqsQueue {
  readonly deadLetters: DeadLetter[] = [];
  /** Records handed to the function, redeliveries included. */
  received = 0;
  redelivered = 0;
  batches = 0;
  private readonly queue: QueuedMessage[] = [];
  /** The records of the delivery awaiting {@link settle}. */
  private inFlight: QueuedMessage[] = [];
  private nextOrder = 0;
  private lastReceiveAtMs = Number.NEGATIVE_INFINITY;
  private readonly random: () => number;

  constructor(private readonly options: SqsQueueOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.random = seededRandom(hashSeed(`sqs:${options.seed}`));
  }

  /** Messages waiting or hidden in the queue. */
  get size(): number {
    return this.queue.length;
  }

  send(message: FeedMessage): void {
    this.insert({
      message,
      order: this.nextOrder++,
      visibleAtMs: message.sentAtMs,
      receiveCount: 0,
      firstReceiveAtMs: undefined,
    });
  }

  /**
   * When the poller invokes the function next, given what is in the queue now: once
   * `batchSize` records are visible, or when the window since the oldest visible one ends.
   * Never before the previous invocation (a backlog is drained at once). Undefined when empty.
   */
  nextDispatchAtMs(): number | undefined {
    const first = this.queue[0];
    if (first === undefined) return undefined;
    const windowEnd = first.visibleAtMs + this.options.batchingWindowMs;
    const fullAt = this.queue[this.options.batchSize - 1]?.visibleAtMs ?? Number.POSITIVE_INFINITY;
    return Math.max(Math.min(windowEnd, fullAt), first.visibleAtMs, this.lastReceiveAtMs);
  }

  /** Receives the records visible at `atMs` (oldest first), up to `batchSize`. */
  receive(atMs: number): SqsDelivery {
    let count = 0;
    while (
      count < this.options.batchSize &&
      count < this.queue.length &&
      (this.queue[count]?.visibleAtMs ?? Number.POSITIVE_INFINITY) <= atMs
    ) {
      count++;
    }
    const taken = this.queue.splice(0, count);
    this.lastReceiveAtMs = atMs;
    this.inFlight = taken;
    this.batches++;
    this.received += taken.length;
    const records = taken.map((queued) => {
      queued.receiveCount++;
      queued.firstReceiveAtMs ??= atMs;
      return this.record(queued);
    });
    return {
      atMs,
      event: { Records: records },
      messages: taken.map((queued) => queued.message),
      receiveCounts: taken.map((queued) => queued.receiveCount),
    };
  }

  /**
   * Applies the function's answer to the last delivery: `'all'` (it threw or timed out) or the
   * `batchItemFailures` identifiers. As Lambda does, an identifier that is empty or not in the
   * batch fails the whole batch.
   */
  settle(delivery: SqsDelivery, failures: 'all' | readonly string[]): SettleOutcome {
    const taken = this.inFlight;
    this.inFlight = [];
    const ids = new Set(taken.map((queued) => queued.message.messageId));
    const wholeBatchFailed = failures === 'all' || failures.some((id) => id === '' || !ids.has(id));
    const failedIds = new Set(wholeBatchFailed ? ids : failures);
    const deleted: FeedMessage[] = [];
    const failed: FeedMessage[] = [];
    let redelivered = 0;
    let deadLettered = 0;
    for (const queued of taken) {
      if (!failedIds.has(queued.message.messageId)) {
        deleted.push(queued.message);
        continue;
      }
      failed.push(queued.message);
      if (queued.receiveCount >= this.options.maxReceiveCount) {
        deadLettered++;
        this.deadLetters.push({
          messageId: queued.message.messageId,
          queryExecutionId: queued.message.queryExecutionId,
          state: queued.message.state,
          receiveCount: queued.receiveCount,
          body: queued.message.body,
        });
      } else {
        redelivered++;
        queued.visibleAtMs = delivery.atMs + this.options.visibilityTimeoutMs;
        this.insert(queued);
      }
    }
    this.redelivered += redelivered;
    return { deleted, failed, redelivered, deadLettered, wholeBatchFailed };
  }

  private record(queued: QueuedMessage): SQSRecord {
    const { message } = queued;
    let receipt = '';
    for (let index = 0; index < 4; index++) {
      receipt += Math.floor(this.random() * 2 ** 32)
        .toString(36)
        .padStart(7, '0');
    }
    return {
      messageId: message.messageId,
      receiptHandle: `AQEB${receipt}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(queued.receiveCount),
        SentTimestamp: String(message.sentAtMs),
        // EventBridge sends to SQS as this AWS-owned principal.
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: String(queued.firstReceiveAtMs ?? message.sentAtMs),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }

  /** Keeps the queue ordered by visibility time, then by arrival. */
  private insert(queued: QueuedMessage): void {
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.queue[middle];
      if (
        other !== undefined &&
        (other.visibleAtMs < queued.visibleAtMs ||
          (other.visibleAtMs === queued.visibleAtMs && other.order < queued.order))
      ) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    this.queue.splice(low, 0, queued);
  }
}
