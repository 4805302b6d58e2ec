import { createServer, request as httpRequest } from 'node:http';
import { closeServer, listenOnLoopback } from '../../local/stand-ins/stand-in-http.js';

/** An HTTP proxy in front of an AWS JSON endpoint that counts calls per operation and loses answers. */
export interface CountingProxy {
  /** Pass as `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  /** Requests per operation (from `X-Amz-Target`, e.g. `TransactWriteItems`). */
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

/**
 * Forwards every request unchanged (headers, signature and body) to `target` and counts it by
 * the operation named in `X-Amz-Target`: DynamoDB Local runs in its own process, so this is how
 * a test sees which calls a handler made.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  const calls = new Map<string, number>();
  const server = createServer((incoming, outgoing) => {
    const header = incoming.headers['x-amz-target'];
    const operation = typeof header === 'string' ? (header.split('.').pop() ?? header) : '(none)';
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const lose = proxy.loseAnswer?.(operation, body.toString('utf8')) ?? false;
      const forwarded = httpRequest(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          if (lose) {
            answer.resume();
            answer.on('end', () => outgoing.destroy());
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
          answer.on('end', () => proxy.onAnswered?.(operation));
        },
      );
      // The target is down: cut the client's connection, as a crashed server would.
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(body);
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
