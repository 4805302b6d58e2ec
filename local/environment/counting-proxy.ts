import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback, readRequestBody } from '../stand-ins/stand-in-http.js';

/**
 * An HTTP proxy in front of an AWS JSON endpoint (DynamoDB Local, in practice) that counts calls
 * per operation: DynamoDB Local runs in its own process, so this is how a test or the benchmark
 * sees which calls a handler made. Hooks may rewrite a request or an answer (the benchmark asks
 * for ConsumedCapacity) or answer in the target's place (injected faults). DynamoDB Local does
 * not check SigV4 signatures, so rewriting a body is harmless.
 */

/** One request on its way through the proxy; `body` is decoded (no Content-Encoding). */
export interface ProxiedRequest {
  /** From `X-Amz-Target`, e.g. `TransactWriteItems`; `(none)` when absent. */
  readonly operation: string;
  readonly headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An answer on its way back to the client. */
export interface ProxiedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CountingProxyHooks {
  /** Before forwarding: may replace `request.body`, or return an answer to send instead. */
  beforeForward?(request: ProxiedRequest): ProxiedAnswer | undefined;
  /** Once the target answered: may replace `answer.body`. */
  afterAnswer?(request: ProxiedRequest, answer: ProxiedAnswer): void;
}

export interface CountingProxy {
  /** Pass as `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  /** Requests per operation since the last reset. */
  readonly calls: Map<string, number>;
  count(operation: string): number;
  resetCalls(): void;
  /** Called once each answer has been passed back to the client, e.g. to crash the target then. */
  onAnswered: ((operation: string) => void) | undefined;
  /**
   * Decides, per request, whether its answer is lost: the request reaches the target and is
   * applied, then the client's connection is reset instead of answered (the SDK retries).
   */
  loseAnswer: ((operation: string, body: string) => boolean) | undefined;
  close(): Promise<void>;
}

/** Starts a proxy that forwards every request to `target`; see {@link CountingProxyHooks}. */
export async function startCountingProxy(
  target: string,
  hooks: CountingProxyHooks = {},
): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  const calls = new Map<string, number>();
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const header = incoming.headers['x-amz-target'];
      const operation = typeof header === 'string' ? (header.split('.').pop() ?? header) : '(none)';
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      const { bytes } = await readRequestBody(incoming);
      const request: ProxiedRequest = { operation, headers: incoming.headers, body: bytes };
      const lose = proxy.loseAnswer?.(operation, bytes.toString('utf8')) ?? false;
      let answer = hooks.beforeForward?.(request);
      if (answer === undefined) {
        const headers: IncomingHttpHeaders = { ...incoming.headers };
        delete headers['content-encoding'];
        headers['content-length'] = String(request.body.length);
        answer = await forward(
          targetUrl,
          incoming.method ?? 'POST',
          incoming.url,
          headers,
          request,
        );
        hooks.afterAnswer?.(request, answer);
      }
      if (lose) {
        outgoing.destroy();
        return;
      }
      const answerHeaders: IncomingHttpHeaders = { ...answer.headers };
      delete answerHeaders['transfer-encoding'];
      answerHeaders['content-length'] = String(answer.body.length);
      outgoing.writeHead(answer.status, answerHeaders);
      outgoing.end(answer.body, () => proxy.onAnswered?.(operation));
    })().catch(() => {
      // The target is down: cut the client's connection, as a crashed server would.
      outgoing.destroy();
    });
  });
  const port = await listenOnLoopback(server, 0);
  const proxy: CountingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    count: (operation) => calls.get(operation) ?? 0,
    resetCalls: () => calls.clear(),
    onAnswered: undefined,
    loseAnswer: undefined,
    close: () => closeServer(server),
  };
  return proxy;
}

function forward(
  target: URL,
  method: string,
  path: string | undefined,
  headers: IncomingHttpHeaders,
  request: ProxiedRequest,
): Promise<ProxiedAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { hostname: target.hostname, port: target.port, path, method, headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            headers: answer.headers,
            body: Buffer.concat(chunks),
          }),
        );
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
