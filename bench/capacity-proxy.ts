import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  closeServer,
  listenOnLoopback,
  readRequestBody,
} from '../local/stand-ins/stand-in-http.js';
import { estimateWriteUnits, type IndexKeys } from './figures.js';

/** Operations whose requests accept `ReturnConsumedCapacity`. */
const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** What one operation cost, summed over the calls the proxy saw. */
export interface OperationCapacity {
  calls: number;
  /** Calls DynamoDB answered with an error (no ConsumedCapacity is returned then). */
  errors: number;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  /** Of which on global secondary indexes. */
  indexWriteCapacityUnits: number;
  /** Items in the request: TransactItems, batch entries; 1 for single-item calls. */
  items: number;
  /** Items of the calls that failed (e.g. a cancelled transaction). */
  failedItems: number;
  /**
   * Write units by DynamoDB's rules, from the requests ({@link estimateWriteUnits}): DynamoDB
   * Local's ConsumedCapacity for a TransactWriteItems of n items is that of its first two.
   */
  estimatedWriteUnits: number;
  /** The same for requests that failed (a cancelled transaction, a failed condition). */
  estimatedFailedWriteUnits: number;
}

/** A DynamoDB endpoint in front of DynamoDB Local that counts calls and the capacity they used. */
export interface CapacityProxy {
  /** Pass as `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  readonly operations: Map<string, OperationCapacity>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Forwards every DynamoDB request to `target`, adding `ReturnConsumedCapacity: INDEXES` to the
 * operations that take it, and reads `ConsumedCapacity` from the answers (DynamoDB Local
 * computes it as DynamoDB does: 1 KB write units, doubled for transactions, index writes
 * included). The field is removed again before the answer reaches a client that did not ask for
 * it, so the handler parses what it would parse in AWS. DynamoDB Local does not check SigV4
 * signatures, so rewriting the body is harmless.
 */
export async function startCapacityProxy(
  target: string,
  indexes: readonly IndexKeys[],
): Promise<CapacityProxy> {
  const targetUrl = new URL(target);
  const operations = new Map<string, OperationCapacity>();
  const entry = (operation: string): OperationCapacity => {
    let found = operations.get(operation);
    if (found === undefined) {
      found = {
        calls: 0,
        errors: 0,
        readCapacityUnits: 0,
        writeCapacityUnits: 0,
        indexWriteCapacityUnits: 0,
        items: 0,
        failedItems: 0,
        estimatedWriteUnits: 0,
        estimatedFailedWriteUnits: 0,
      };
      operations.set(operation, found);
    }
    return found;
  };

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const header = incoming.headers['x-amz-target'];
      const operation = typeof header === 'string' ? (header.split('.').pop() ?? header) : '(none)';
      const stats = entry(operation);
      stats.calls++;
      const { bytes } = await readRequestBody(incoming);
      let body = bytes;
      let injected = false;
      let items = 1;
      let writeUnits = 0;
      if (WRITE_OPERATIONS.has(operation) || READ_OPERATIONS.has(operation)) {
        const input = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        items = itemsOf(operation, input);
        writeUnits = estimateWriteUnits(operation, input, indexes);
        if (input.ReturnConsumedCapacity === undefined || input.ReturnConsumedCapacity === 'NONE') {
          input.ReturnConsumedCapacity = 'INDEXES';
          injected = true;
          body = Buffer.from(JSON.stringify(input));
        }
      }
      stats.items += items;
      const headers: IncomingHttpHeaders = { ...incoming.headers };
      delete headers['content-encoding'];
      headers['content-length'] = String(body.length);
      const answer = await forward(
        targetUrl,
        incoming.method ?? 'POST',
        incoming.url,
        headers,
        body,
      );
      let payload = answer.body;
      const answerHeaders: IncomingHttpHeaders = { ...answer.headers };
      if (answer.status >= 400) {
        stats.errors++;
        stats.failedItems += items;
        stats.estimatedFailedWriteUnits += writeUnits;
      } else {
        stats.estimatedWriteUnits += writeUnits;
      }
      if (answer.status < 400 && payload.length > 0) {
        const output = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        addCapacity(stats, output.ConsumedCapacity, WRITE_OPERATIONS.has(operation));
        if (injected) {
          delete output.ConsumedCapacity;
          payload = Buffer.from(JSON.stringify(output));
          // The CRC32 of the changed body would no longer match.
          delete answerHeaders['x-amz-crc32'];
        }
      }
      answerHeaders['content-length'] = String(payload.length);
      outgoing.writeHead(answer.status, answerHeaders);
      outgoing.end(payload);
    })().catch(() => outgoing.destroy());
  });
  const port = await listenOnLoopback(server, 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    reset: () => operations.clear(),
    close: () => closeServer(server),
  };
}

function itemsOf(operation: string, input: Record<string, unknown>): number {
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
  }
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
    let count = 0;
    for (const value of Object.values(requests)) {
      if (Array.isArray(value)) count += value.length;
      else if (value !== null && typeof value === 'object') {
        const keys = (value as { Keys?: unknown }).Keys;
        if (Array.isArray(keys)) count += keys.length;
      }
    }
    return count;
  }
  return 1;
}

interface CapacityEntry {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly GlobalSecondaryIndexes?: Record<string, CapacityEntry>;
  readonly LocalSecondaryIndexes?: Record<string, CapacityEntry>;
}

function addCapacity(stats: OperationCapacity, consumed: unknown, isWrite: boolean): void {
  const entries: CapacityEntry[] = Array.isArray(consumed)
    ? (consumed as CapacityEntry[])
    : consumed !== null && typeof consumed === 'object'
      ? [consumed as CapacityEntry]
      : [];
  for (const entry of entries) {
    const total = entry.CapacityUnits ?? 0;
    // Per-kind fields are not always filled; attribute the total by what the operation does.
    const reads = entry.ReadCapacityUnits;
    const writes = entry.WriteCapacityUnits;
    if (reads === undefined && writes === undefined) {
      if (isWrite) stats.writeCapacityUnits += total;
      else stats.readCapacityUnits += total;
    } else {
      stats.readCapacityUnits += reads ?? 0;
      stats.writeCapacityUnits += writes ?? 0;
    }
    for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) {
      stats.indexWriteCapacityUnits +=
        index.WriteCapacityUnits ?? (isWrite ? (index.CapacityUnits ?? 0) : 0);
    }
  }
}

interface ForwardedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(
  target: URL,
  method: string,
  path: string | undefined,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<ForwardedAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
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
    request.on('error', reject);
    request.end(body);
  });
}
