import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FailureKind, FaultInjector } from './fault-injection.js';
import {
  closeServer,
  listenOnLoopback,
  readRequestBody,
  UnsupportedEncodingError,
} from './stand-in-http.js';

/** A decoded JSON request body. */
export type JsonObject = Record<string, unknown>;

/** Runs one operation; the result is serialized with Dates as epoch seconds. */
export type OperationHandler = (input: JsonObject) => unknown;

/**
 * Adapts a handler typed with the SDK's input shape. The JSON is only assumed to have that
 * shape, so handlers still check the members they depend on.
 */
export function operation<Input>(run: (input: Input) => unknown): OperationHandler {
  return (input) => run(input as unknown as Input);
}

/** Extra wire detail for an {@link AwsServiceError}. */
export interface AwsServiceErrorOptions {
  /** Further members of the error structure, e.g. Athena's `AthenaErrorCode`. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** `__type` to send when it differs from the code, e.g. a fully qualified shape id. */
  readonly type?: string;
  /**
   * Member that carries the message. Services differ: Athena's modeled errors use `Message`,
   * the AWS front end's throttling answers use `message`; the SDK reads either.
   */
  readonly messageKey?: 'message' | 'Message';
  /**
   * For awsQuery-compatible services: the legacy query error code and fault type, sent as
   * `x-amzn-query-error: Code;Type`. The SDK prefers it over `__type` to name the error.
   */
  readonly queryError?: { readonly code: string; readonly type: 'Sender' | 'Receiver' };
}

/** A service error a handler throws; the server answers it in the protocol's error shape. */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';

  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly options: AwsServiceErrorOptions = {},
  ) {
    super(message);
  }
}

/** How one service spells its injected and scripted failures. */
export interface ServiceErrorFactory {
  throttle(): AwsServiceError;
  serverError(): AwsServiceError;
  /** Builds the error a test named in `failNext`, with the service's status code for it. */
  fromCode(code: string): AwsServiceError;
}

/** Options for {@link startAwsJsonServer}. */
export interface AwsJsonServerOptions {
  /** awsJson protocol version, which is also the content type's suffix. */
  readonly jsonVersion: '1.0' | '1.1';
  /** Service prefix of `X-Amz-Target`, e.g. `AmazonAthena`. */
  readonly targetPrefix: string;
  readonly handlers: Readonly<Record<string, OperationHandler>>;
  readonly errors: ServiceErrorFactory;
  /** Adds `x-amzn-query-error` to error answers, as awsQuery-compatible services do. */
  readonly queryCompatible?: boolean;
  /** Port to bind on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** Seed for the fault dice. */
  readonly seed?: number;
}

/** A running awsJson endpoint. */
export interface AwsJsonServer {
  readonly endpoint: string;
  readonly port: number;
  readonly injector: FaultInjector;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server that speaks the awsJson1_0/1_1 wire protocol: `POST /` with the
 * operation in `X-Amz-Target`, JSON in and out, timestamps as epoch seconds.
 */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const injector = new FaultInjector(options.seed);
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const server = createServer((request, response) => {
    handleRequest(options, injector, contentType, request, response).catch(() => {
      // Only a broken socket gets here; answering is no longer possible.
      response.destroy();
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    injector,
    close: () => closeServer(server),
  };
}

async function handleRequest(
  options: AwsJsonServerOptions,
  injector: FaultInjector,
  contentType: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const payload = JSON.stringify(toWire(body));
    response.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': requestId,
      ...headers,
    });
    response.end(payload);
  };
  const sendError = (error: AwsServiceError): void => {
    const headers: Record<string, string> = { 'x-amzn-errortype': error.code };
    const queryError = error.options.queryError;
    if (options.queryCompatible === true && queryError !== undefined) {
      headers['x-amzn-query-error'] = `${queryError.code};${queryError.type}`;
    }
    send(
      error.statusCode,
      {
        __type: error.options.type ?? error.code,
        [error.options.messageKey ?? 'message']: error.message,
        ...error.options.fields,
      },
      headers,
    );
  };

  const target = request.headers['x-amz-target'];
  const prefix = `${options.targetPrefix}.`;
  const operation =
    typeof target === 'string' && target.startsWith(prefix) ? target.slice(prefix.length) : '';

  let bytes: Buffer;
  let compressed: boolean;
  try {
    ({ bytes, compressed } = await readRequestBody(request));
  } catch (error) {
    if (error instanceof UnsupportedEncodingError) {
      sendError(new AwsServiceError('SerializationException', error.message));
      return;
    }
    throw error;
  }

  const decision = injector.decide(operation === '' ? '(unknown)' : operation, compressed);
  if (decision.latencyMs > 0) {
    await sleep(decision.latencyMs);
  }
  if (decision.failWith !== undefined) {
    sendError(injectedError(options.errors, decision.failWith));
    return;
  }

  const handler = Object.hasOwn(options.handlers, operation)
    ? options.handlers[operation]
    : undefined;
  if (request.method !== 'POST' || handler === undefined) {
    sendError(
      new AwsServiceError(
        'UnknownOperationException',
        `Unknown operation ${String(target ?? '(no X-Amz-Target)')}`,
      ),
    );
    return;
  }

  let input: unknown;
  try {
    input = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
  } catch {
    sendError(new AwsServiceError('SerializationException', 'Request body is not valid JSON'));
    return;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    sendError(new AwsServiceError('SerializationException', 'Request body must be a JSON object'));
    return;
  }

  try {
    send(200, await handler(input as JsonObject));
  } catch (error) {
    if (error instanceof AwsServiceError) {
      sendError(error);
      return;
    }
    // A bug in a stand-in must still reach the SDK as a service fault, with the cause visible.
    const fault = options.errors.serverError();
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    sendError(new AwsServiceError(fault.code, message, fault.statusCode, fault.options));
  }
}

function injectedError(errors: ServiceErrorFactory, failure: FailureKind): AwsServiceError {
  switch (failure.kind) {
    case 'throttle':
      return errors.throttle();
    case 'server':
      return errors.serverError();
    case 'code':
      return errors.fromCode(failure.code);
  }
}

/** Deep copy with Dates as fractional epoch seconds, the awsJson default timestamp format. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) {
    return value.getTime() / 1000;
  }
  if (Array.isArray(value)) {
    return value.map(toWire);
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) {
        out[key] = toWire(member);
      }
    }
    return out;
  }
  return value;
}

/** Reads an awsJson timestamp (epoch seconds, number or numeric string) into a Date. */
export function fromWireTimestamp(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(Math.round(value * 1000));
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return new Date(Math.round(Number(value) * 1000));
  }
  return undefined;
}
