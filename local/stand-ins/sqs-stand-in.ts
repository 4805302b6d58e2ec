import { createHash, randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  type JsonObject,
  type ServiceErrorFactory,
  startAwsJsonServer,
} from './aws-json-server.js';
import { type FaultControls, withFaultControls } from './fault-injection.js';

const MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_VISIBILITY_SECONDS = 30;

/** One message of a queue, as the stand-in keeps it. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: Date;
  receiveCount: number;
  /** Hidden from receivers until then (in flight). */
  visibleAt: Date;
  receiptHandle: string | undefined;
  /**
   * The queue an SQS redrive policy moved it from. Messages sent to a queue directly (such as the
   * events EventBridge dead-letters) have none.
   */
  deadLetterSourceArn: string | undefined;
}

/** One queue: its identity, attributes and messages in arrival order. */
export interface StandInQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Record<string, string>;
  readonly messages: QueuedMessage[];
}

/** A message move task as ListMessageMoveTasks reports it. */
export interface MessageMoveTask {
  readonly taskHandle: string;
  readonly sourceArn: string;
  readonly destinationArn: string | undefined;
  readonly maxNumberOfMessagesPerSecond: number | undefined;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  moved: number;
  readonly toMove: number;
  failureReason: string | undefined;
  readonly startedAt: Date;
}

export interface SqsStandInOptions {
  /** Port on 127.0.0.1; a free one when absent or 0. */
  readonly port?: number;
  /** Seed for the fault dice. */
  readonly seed?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** Time source for sent stamps and visibility (e.g. a simulated clock). */
  readonly clock?: () => Date;
}

/** A running SQS stand-in. */
export interface SqsStandIn extends FaultControls {
  /** Pass as the client's `endpoint` or as `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /** Queues by name. */
  readonly queues: ReadonlyMap<string, StandInQueue>;
  /** Every move task started, newest last. */
  readonly moveTasks: readonly MessageMoveTask[];
  close(): Promise<void>;
}

/**
 * Starts an SQS endpoint speaking what SDK v3 sends: awsJson1_0 with
 * `X-Amz-Target: AmazonSQS.<Operation>` in awsQuery-compatible mode (errors carry the legacy code
 * in `x-amzn-query-error`). It serves CreateQueue, GetQueueUrl, GetQueueAttributes,
 * SetQueueAttributes, SendMessage, ReceiveMessage, DeleteMessage, ListDeadLetterSourceQueues,
 * StartMessageMoveTask and ListMessageMoveTasks, with the documented redrive semantics:
 *
 * - a receive that takes a message past its queue's `maxReceiveCount` moves it to the queue's
 *   dead-letter queue instead, remembering the source queue;
 * - StartMessageMoveTask takes a dead-letter queue (a queue some queue's redrive policy names) and
 *   moves its messages to `DestinationArn`, or without one back to each message's source queue.
 *   A message that came to the DLQ otherwise (sent directly, as EventBridge does) has no source
 *   queue: such a task fails on it, with the message left in the DLQ. One task per queue at once.
 *
 * The task runs to its end within the StartMessageMoveTask call; ListMessageMoveTasks then shows
 * it COMPLETED or FAILED.
 */
export async function startSqsStandIn(options: SqsStandInOptions = {}): Promise<SqsStandIn> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const clock = options.clock ?? (() => new Date());
  const queues = new Map<string, StandInQueue>();
  const moveTasks: MessageMoveTask[] = [];
  let endpoint = '';

  const queueByUrl = (url: unknown): StandInQueue => {
    const name = typeof url === 'string' ? url.split('/').at(-1) : undefined;
    const queue = name === undefined ? undefined : queues.get(name);
    if (queue === undefined || queue.url !== url) throw nonExistentQueue();
    return queue;
  };
  const queueByArn = (arn: unknown, member: string): StandInQueue => {
    const queue = [...queues.values()].find((candidate) => candidate.arn === arn);
    if (queue === undefined) {
      if (typeof arn !== 'string' || !/^arn:[^:]+:sqs:/.test(arn))
        throw sqsError('InvalidParameterValue', `Value for parameter ${member} is invalid.`);
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
        404,
        {
          type: 'com.amazonaws.sqs#ResourceNotFoundException',
          queryError: { code: 'ResourceNotFoundException', type: 'Sender' },
        },
      );
    }
    return queue;
  };
  const redriveOf = (queue: StandInQueue) => {
    const policy = queue.attributes.RedrivePolicy;
    if (policy === undefined) return undefined;
    const parsed = JSON.parse(policy) as {
      deadLetterTargetArn?: string;
      maxReceiveCount?: number | string;
    };
    return {
      target: parsed.deadLetterTargetArn ?? '',
      maxReceiveCount: Number(parsed.maxReceiveCount),
    };
  };
  const sourcesOf = (deadLetterQueue: StandInQueue) =>
    [...queues.values()].filter((queue) => redriveOf(queue)?.target === deadLetterQueue.arn);

  const createQueue = (name: string, attributes: Record<string, string>): StandInQueue => {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw sqsError(
        'InvalidParameterValue',
        `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length`,
      );
    const existing = queues.get(name);
    if (existing !== undefined) return existing;
    const queue: StandInQueue = {
      name,
      url: `${endpoint}/${accountId}/${name}`,
      arn: `arn:aws:sqs:${region}:${accountId}:${name}`,
      attributes: { VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS), ...attributes },
      messages: [],
    };
    if (queue.attributes.RedrivePolicy !== undefined)
      validateRedrivePolicy(queue.attributes.RedrivePolicy);
    queues.set(name, queue);
    return queue;
  };
  const validateRedrivePolicy = (policy: string) => {
    let parsed: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      parsed = JSON.parse(policy) as typeof parsed;
    } catch {
      throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy.');
    }
    const max = Number(parsed.maxReceiveCount);
    if (
      !Number.isInteger(max) ||
      max < 1 ||
      max > 1000 ||
      typeof parsed.deadLetterTargetArn !== 'string'
    )
      throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy.');
    queueByArn(parsed.deadLetterTargetArn, 'RedrivePolicy');
  };

  const enqueue = (
    queue: StandInQueue,
    body: string,
    deadLetterSourceArn?: string,
  ): QueuedMessage => {
    const message: QueuedMessage = {
      messageId: randomUUID(),
      body,
      sentAt: clock(),
      receiveCount: 0,
      visibleAt: clock(),
      receiptHandle: undefined,
      deadLetterSourceArn,
    };
    queue.messages.push(message);
    return message;
  };

  const receive = (queue: StandInQueue, input: JsonObject) => {
    const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw sqsError(
        'InvalidParameterValue',
        'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.',
      );
    const visibility = Number(input.VisibilityTimeout ?? queue.attributes.VisibilityTimeout);
    const now = clock();
    const redrive = redriveOf(queue);
    const received: QueuedMessage[] = [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        // Received maxReceiveCount times without being deleted: to the dead-letter queue.
        queue.messages.splice(queue.messages.indexOf(message), 1);
        const deadLetterQueue = queueByArn(redrive.target, 'RedrivePolicy');
        deadLetterQueue.messages.push({
          ...message,
          receiptHandle: undefined,
          visibleAt: now,
          deadLetterSourceArn: queue.arn,
        });
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = new Date(now.getTime() + visibility * 1000);
      message.receiptHandle = randomUUID();
      received.push(message);
    }
    const names = new Set([
      ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
      ...((input.AttributeNames as string[] | undefined) ?? []),
    ]);
    const wanted = (name: string) => names.has(name) || names.has('All');
    return {
      Messages: received.map((message) => ({
        MessageId: message.messageId,
        ReceiptHandle: message.receiptHandle,
        MD5OfBody: md5(message.body),
        Body: message.body,
        Attributes: Object.fromEntries(
          [
            ['ApproximateReceiveCount', String(message.receiveCount)],
            ['SentTimestamp', String(message.sentAt.getTime())],
            ...(message.deadLetterSourceArn === undefined
              ? []
              : [['DeadLetterQueueSourceArn', message.deadLetterSourceArn]]),
          ].filter(([name]) => wanted(name as string)),
        ),
      })),
    };
  };

  const startMove = (input: JsonObject) => {
    const source = queueByArn(input.SourceArn, 'SourceArn');
    if (sourcesOf(source).length === 0)
      throw sqsError(
        'InvalidParameterValue',
        'Source queue must be configured as a Dead Letter Queue.',
      );
    if (moveTasks.some((task) => task.sourceArn === source.arn && task.status === 'RUNNING'))
      throw sqsError(
        'UnsupportedOperation',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    const destination =
      input.DestinationArn === undefined
        ? undefined
        : queueByArn(input.DestinationArn, 'DestinationArn');
    const rate =
      input.MaxNumberOfMessagesPerSecond === undefined
        ? undefined
        : Number(input.MaxNumberOfMessagesPerSecond);
    if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 500))
      throw sqsError(
        'InvalidParameterValue',
        'Value for parameter MaxNumberOfMessagesPerSecond is invalid.',
      );
    const now = clock();
    const movable = source.messages.filter((message) => message.visibleAt <= now);
    const task: MessageMoveTask = {
      taskHandle: Buffer.from(
        JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn }),
      ).toString('base64'),
      sourceArn: source.arn,
      destinationArn: destination?.arn,
      maxNumberOfMessagesPerSecond: rate,
      status: 'RUNNING',
      moved: 0,
      toMove: movable.length,
      failureReason: undefined,
      startedAt: now,
    };
    moveTasks.push(task);
    for (const message of movable) {
      const target =
        destination ??
        [...queues.values()].find((queue) => queue.arn === message.deadLetterSourceArn);
      if (target === undefined) {
        task.status = 'FAILED';
        task.failureReason = `Message ${message.messageId} has no source queue to be moved back to: it did not come to the dead-letter queue through a redrive policy. Specify a DestinationArn.`;
        break;
      }
      source.messages.splice(source.messages.indexOf(message), 1);
      enqueue(target, message.body);
      task.moved += 1;
    }
    if (task.status === 'RUNNING') task.status = 'COMPLETED';
    return { TaskHandle: task.taskHandle };
  };

  const server = await startAwsJsonServer({
    jsonVersion: '1.0',
    targetPrefix: 'AmazonSQS',
    queryCompatible: true,
    errors: sqsErrors,
    handlers: {
      CreateQueue: (input) => ({
        QueueUrl: createQueue(
          String(input.QueueName ?? ''),
          (input.Attributes ?? {}) as Record<string, string>,
        ).url,
      }),
      GetQueueUrl: (input) => {
        const queue = queues.get(String(input.QueueName));
        if (
          queue === undefined ||
          (input.QueueOwnerAWSAccountId !== undefined && input.QueueOwnerAWSAccountId !== accountId)
        )
          throw nonExistentQueue();
        return { QueueUrl: queue.url };
      },
      GetQueueAttributes: (input) => {
        const queue = queueByUrl(input.QueueUrl);
        const now = clock();
        const all: Record<string, string> = {
          ...queue.attributes,
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(
            queue.messages.filter((message) => message.visibleAt <= now).length,
          ),
          ApproximateNumberOfMessagesNotVisible: String(
            queue.messages.filter((message) => message.visibleAt > now).length,
          ),
        };
        const names = (input.AttributeNames as string[] | undefined) ?? [];
        return {
          Attributes: names.includes('All')
            ? all
            : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name))),
        };
      },
      SetQueueAttributes: (input) => {
        const queue = queueByUrl(input.QueueUrl);
        const attributes = (input.Attributes ?? {}) as Record<string, string>;
        if (attributes.RedrivePolicy !== undefined) validateRedrivePolicy(attributes.RedrivePolicy);
        Object.assign(queue.attributes, attributes);
        return {};
      },
      SendMessage: (input) => {
        const queue = queueByUrl(input.QueueUrl);
        const body = input.MessageBody;
        if (typeof body !== 'string' || body === '' || Buffer.byteLength(body) > MAX_MESSAGE_BYTES)
          throw sqsError(
            'InvalidParameterValue',
            'The request must contain the parameter MessageBody, of at most 256 KiB.',
          );
        const message = enqueue(queue, body);
        return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
      },
      ReceiveMessage: (input) => receive(queueByUrl(input.QueueUrl), input),
      DeleteMessage: (input) => {
        const queue = queueByUrl(input.QueueUrl);
        const at = queue.messages.findIndex(
          (message) => message.receiptHandle === input.ReceiptHandle,
        );
        if (at < 0)
          throw sqsError(
            'ReceiptHandleIsInvalid',
            `The input receipt handle "${String(input.ReceiptHandle)}" is not a valid receipt handle.`,
          );
        queue.messages.splice(at, 1);
        return {};
      },
      ListDeadLetterSourceQueues: (input) => ({
        queueUrls: sourcesOf(queueByUrl(input.QueueUrl)).map((queue) => queue.url),
      }),
      StartMessageMoveTask: startMove,
      ListMessageMoveTasks: (input) => {
        const source = queueByArn(input.SourceArn, 'SourceArn');
        const max = Number(input.MaxResults ?? 1);
        return {
          Results: moveTasks
            .filter((task) => task.sourceArn === source.arn)
            .reverse()
            .slice(0, max)
            .map((task) => ({
              ...(task.status === 'RUNNING' ? { TaskHandle: task.taskHandle } : {}),
              Status: task.status,
              SourceArn: task.sourceArn,
              DestinationArn: task.destinationArn,
              MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond,
              ApproximateNumberOfMessagesMoved: task.moved,
              ApproximateNumberOfMessagesToMove: task.toMove,
              FailureReason: task.failureReason,
              StartedTimestamp: task.startedAt.getTime(),
            })),
        };
      },
    },
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  endpoint = server.endpoint;
  return withFaultControls(server.injector, {
    endpoint: server.endpoint,
    queues,
    moveTasks,
    close: () => server.close(),
  });
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

interface SqsErrorSpec {
  /** The legacy query code, which the SDK reports as the error's `Code`. */
  readonly code: string;
  readonly status: number;
}

/** Keyed by Smithy shape name, with the query codes and statuses of the SQS model. */
const SQS_ERRORS: Readonly<Record<string, SqsErrorSpec>> = {
  QueueDoesNotExist: { code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  UnsupportedOperation: { code: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', status: 404 },
  RequestThrottled: { code: 'RequestThrottled', status: 403 },
  InvalidAttributeValue: { code: 'InvalidAttributeValue', status: 400 },
};

/** An SQS error by shape name (or an unmodeled query code such as InvalidParameterValue). */
function sqsError(shape: string, message: string): AwsServiceError {
  const spec = SQS_ERRORS[shape];
  const status = spec?.status ?? (shape === 'InternalError' ? 500 : 400);
  return new AwsServiceError(shape, message, status, {
    type: spec === undefined ? shape : `com.amazonaws.sqs#${shape}`,
    queryError: { code: spec?.code ?? shape, type: status >= 500 ? 'Receiver' : 'Sender' },
  });
}

const nonExistentQueue = () => sqsError('QueueDoesNotExist', 'The specified queue does not exist.');

const sqsErrors: ServiceErrorFactory = {
  throttle: () => sqsError('RequestThrottled', 'Rate exceeded'),
  serverError: () =>
    sqsError('InternalError', 'We encountered an internal error. Please try again.'),
  fromCode: (code) => sqsError(code, `Injected ${code}`),
};
