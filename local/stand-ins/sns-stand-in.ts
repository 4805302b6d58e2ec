import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import {
  type FailureKind,
  type FaultControls,
  FaultInjector,
  withFaultControls,
} from './fault-injection.js';
import {
  closeServer,
  listenOnLoopback,
  readRequestBody,
  UnsupportedEncodingError,
} from './stand-in-http.js';

const XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 100;

/** One message accepted by Publish. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn?: string;
  readonly targetArn?: string;
  readonly phoneNumber?: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
  /**
   * With `messageStructure: json`, the message each protocol's subscribers get, by protocol
   * (`default`, `email`, `https`, ...); read one with {@link messageForProtocol}.
   */
  readonly byProtocol?: Readonly<Record<string, string>>;
  readonly messageAttributes?: Record<string, MessageAttributeValue>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  readonly publishedAt: Date;
}

/** Options for {@link startSnsStandIn}. */
export interface SnsStandInOptions {
  /** Port on 127.0.0.1; a free one when absent or 0. */
  readonly port?: number;
  /** Seed for the fault dice. */
  readonly seed?: number;
  /** When given, Publish to any other topic fails with NotFound, as for a deleted topic. */
  readonly topics?: readonly string[];
  readonly clock?: () => Date;
}

/** A running SNS stand-in. */
export interface SnsStandIn extends FaultControls {
  /** Pass as the client's `endpoint` or as `AWS_ENDPOINT_URL_SNS`. */
  readonly endpoint: string;
  /** Accepted messages in arrival order; clear with `messages.length = 0`. */
  readonly messages: PublishedMessage[];
  close(): Promise<void>;
}

/** An awsQuery error: XML `ErrorResponse` with the query code the SDK names errors after. */
class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly type: 'Sender' | 'Receiver' = statusCode >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

/** Status codes of the query codes tests are likely to inject, as the SNS model declares them. */
const SNS_ERROR_STATUS: Readonly<Record<string, number>> = {
  Throttled: 429,
  Throttling: 400,
  InternalError: 500,
  InvalidParameter: 400,
  ParameterValueInvalid: 400,
  NotFound: 404,
  AuthorizationError: 403,
  KMSThrottling: 400,
  ValidationError: 400,
};

function snsErrorFor(failure: FailureKind): SnsError {
  switch (failure.kind) {
    // SNS models its own throttling error (code Throttled, HTTP 429, ThrottledException).
    case 'throttle':
      return new SnsError('Throttled', 'Rate exceeded', 429);
    case 'server':
      return new SnsError('InternalError', 'Internal service error', 500);
    case 'code':
      return new SnsError(
        failure.code,
        `Injected ${failure.code}`,
        SNS_ERROR_STATUS[failure.code] ?? 400,
      );
  }
}

/**
 * Starts an SNS endpoint speaking awsQuery (form-encoded `Action=Publish&...`, XML answers)
 * that records every accepted Publish.
 */
export async function startSnsStandIn(options: SnsStandInOptions = {}): Promise<SnsStandIn> {
  const injector = new FaultInjector(options.seed);
  const messages: PublishedMessage[] = [];
  const topics = options.topics === undefined ? undefined : new Set(options.topics);
  const clock = options.clock ?? (() => new Date());

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const send = (status: number, xml: string): void => {
      response.writeHead(status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      response.end(xml);
    };
    const sendError = (error: SnsError): void => {
      send(
        error.statusCode,
        `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    };

    let params: URLSearchParams;
    let compressed = false;
    try {
      const body = await readRequestBody(request);
      compressed = body.compressed;
      params = new URLSearchParams(body.bytes.toString('utf8'));
    } catch (error) {
      if (error instanceof UnsupportedEncodingError) {
        sendError(new SnsError('InvalidParameter', error.message));
        return;
      }
      throw error;
    }
    const action = params.get('Action') ?? '';
    const decision = injector.decide(action === '' ? '(unknown)' : action, compressed);
    if (decision.latencyMs > 0) {
      await sleep(decision.latencyMs);
    }
    if (decision.failWith !== undefined) {
      sendError(snsErrorFor(decision.failWith));
      return;
    }
    if (action !== 'Publish') {
      sendError(
        new SnsError('InvalidAction', `The action ${action} is not valid for this web service.`),
      );
      return;
    }
    try {
      const published = parsePublish(params, topics, clock());
      messages.push(published);
      send(
        200,
        `<PublishResponse xmlns="${XML_NAMESPACE}"><PublishResult><MessageId>${published.messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    } catch (error) {
      sendError(
        error instanceof SnsError
          ? error
          : new SnsError(
              'InternalError',
              error instanceof Error ? error.message : String(error),
              500,
            ),
      );
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      // Only a broken socket gets here; answering is no longer possible.
      response.destroy();
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  return withFaultControls(injector, {
    endpoint: `http://127.0.0.1:${port}`,
    messages,
    close: () => closeServer(server),
  });
}

function parsePublish(
  params: URLSearchParams,
  topics: ReadonlySet<string> | undefined,
  now: Date,
): PublishedMessage {
  const optional = (name: string): string | undefined => params.get(name) ?? undefined;
  const topicArn = optional('TopicArn');
  const targetArn = optional('TargetArn');
  const phoneNumber = optional('PhoneNumber');
  const message = params.get('Message');
  if (message === null) {
    throw new SnsError(
      'ValidationError',
      "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
    );
  }
  const destinations = [topicArn, targetArn, phoneNumber].filter((value) => value !== undefined);
  if (destinations.length !== 1) {
    throw new SnsError(
      'InvalidParameter',
      'Invalid parameter: exactly one of TopicArn, TargetArn or PhoneNumber must be given',
    );
  }
  const arn = topicArn ?? targetArn;
  if (arn !== undefined && !/^arn:[^:]+:sns:[^:]*:[^:]*:.+/.test(arn)) {
    throw new SnsError(
      'InvalidParameter',
      `Invalid parameter: ${topicArn ? 'TopicArn' : 'TargetArn'}`,
    );
  }
  if (topicArn !== undefined && topics !== undefined && !topics.has(topicArn)) {
    throw new SnsError('NotFound', 'Topic does not exist', 404);
  }
  if (message === '' || Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
    throw new SnsError('InvalidParameter', 'Invalid parameter: Message too long or empty');
  }
  const subject = optional('Subject');
  if (subject !== undefined && (subject === '' || subject.length > MAX_SUBJECT_LENGTH)) {
    throw new SnsError('InvalidParameter', 'Invalid parameter: Subject');
  }
  const messageGroupId = optional('MessageGroupId');
  if (topicArn?.endsWith('.fifo') === true && messageGroupId === undefined) {
    throw new SnsError(
      'InvalidParameter',
      'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
    );
  }
  const messageAttributes = parseMessageAttributes(params);
  const messageStructure = optional('MessageStructure');
  const byProtocol = messageStructure === 'json' ? parseMessageStructure(message) : undefined;
  const messageDeduplicationId = optional('MessageDeduplicationId');
  return {
    messageId: randomUUID(),
    ...(topicArn === undefined ? {} : { topicArn }),
    ...(targetArn === undefined ? {} : { targetArn }),
    ...(phoneNumber === undefined ? {} : { phoneNumber }),
    ...(subject === undefined ? {} : { subject }),
    message,
    ...(messageStructure === undefined ? {} : { messageStructure }),
    ...(byProtocol === undefined ? {} : { byProtocol }),
    ...(messageAttributes === undefined ? {} : { messageAttributes }),
    ...(messageGroupId === undefined ? {} : { messageGroupId }),
    ...(messageDeduplicationId === undefined ? {} : { messageDeduplicationId }),
    publishedAt: now,
  };
}

/**
 * What a subscriber of `protocol` (`email`, `https`, `sqs`, ...) is sent: its own entry of a
 * `json` structured message, else the `default` entry; the message itself when not structured.
 */
export function messageForProtocol(published: PublishedMessage, protocol: string): string {
  if (published.byProtocol === undefined) return published.message;
  return published.byProtocol[protocol] ?? published.byProtocol.default ?? published.message;
}

/** A `json` structured message: an object of strings with a `default` entry, as SNS requires. */
function parseMessageStructure(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw new SnsError(
      'InvalidParameter',
      'Invalid parameter: Message Structure - JSON message body failed to parse',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - not an object');
  }
  const entries = Object.entries(parsed);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new SnsError(
      'InvalidParameter',
      'Invalid parameter: Message Structure - every protocol entry must be a string',
    );
  }
  const byProtocol = Object.fromEntries(entries) as Record<string, string>;
  if (byProtocol.default === undefined) {
    throw new SnsError(
      'InvalidParameter',
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
  }
  return byProtocol;
}

/**
 * Reads the awsQuery map encoding `MessageAttributes.entry.N.Name` /
 * `MessageAttributes.entry.N.Value.{DataType,StringValue,BinaryValue}`.
 */
function parseMessageAttributes(
  params: URLSearchParams,
): Record<string, MessageAttributeValue> | undefined {
  const entries = new Map<string, Record<string, string>>();
  for (const [key, value] of params) {
    const match = /^MessageAttributes\.entry\.(\d+)\.(.+)$/.exec(key);
    if (match?.[1] === undefined || match[2] === undefined) {
      continue;
    }
    const entry = entries.get(match[1]) ?? {};
    entry[match[2]] = value;
    entries.set(match[1], entry);
  }
  if (entries.size === 0) {
    return undefined;
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const entry of entries.values()) {
    const name = entry.Name;
    const dataType = entry['Value.DataType'];
    if (name === undefined || dataType === undefined) {
      throw new SnsError(
        'ParameterValueInvalid',
        'The message attribute has an invalid name or data type',
      );
    }
    const stringValue = entry['Value.StringValue'];
    const binaryValue = entry['Value.BinaryValue'];
    attributes[name] = {
      DataType: dataType,
      ...(stringValue === undefined ? {} : { StringValue: stringValue }),
      ...(binaryValue === undefined
        ? {}
        : { BinaryValue: new Uint8Array(Buffer.from(binaryValue, 'base64')) }),
    };
  }
  return attributes;
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
