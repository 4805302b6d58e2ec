import { type ProxiedRequest, startCountingProxy } from '../local/environment/counting-proxy.js';
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
 * Forwards every DynamoDB request to `target` through the counting proxy, adding
 * `ReturnConsumedCapacity: INDEXES` to the operations that take it, and reads `ConsumedCapacity`
 * from the answers (DynamoDB Local computes it as DynamoDB does: 1 KB write units, doubled for
 * transactions, index writes included). The field is removed again before the answer reaches a
 * client that did not ask for it, so the handler parses what it would parse in AWS.
 */
export async function startCapacityProxy(
  target: string,
  indexes: readonly IndexKeys[],
): Promise<CapacityProxy> {
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
  /** What the request hook learnt, for the answer hook. */
  const pending = new WeakMap<
    ProxiedRequest,
    { items: number; writeUnits: number; injected: boolean }
  >();

  const proxy = await startCountingProxy(target, {
    beforeForward(request) {
      const { operation } = request;
      const stats = entry(operation);
      stats.calls++;
      let items = 1;
      let writeUnits = 0;
      let injected = false;
      if (WRITE_OPERATIONS.has(operation) || READ_OPERATIONS.has(operation)) {
        const input = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
        items = itemsOf(operation, input);
        writeUnits = estimateWriteUnits(operation, input, indexes);
        if (input.ReturnConsumedCapacity === undefined || input.ReturnConsumedCapacity === 'NONE') {
          input.ReturnConsumedCapacity = 'INDEXES';
          injected = true;
          request.body = Buffer.from(JSON.stringify(input));
        }
      }
      stats.items += items;
      pending.set(request, { items, writeUnits, injected });
      return undefined;
    },
    afterAnswer(request, answer) {
      const stats = entry(request.operation);
      const { items, writeUnits, injected } = pending.get(request) ?? {
        items: 1,
        writeUnits: 0,
        injected: false,
      };
      if (answer.status >= 400) {
        stats.errors++;
        stats.failedItems += items;
        stats.estimatedFailedWriteUnits += writeUnits;
        return;
      }
      stats.estimatedWriteUnits += writeUnits;
      if (answer.body.length === 0) return;
      const output = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
      addCapacity(stats, output.ConsumedCapacity, WRITE_OPERATIONS.has(request.operation));
      if (injected) {
        delete output.ConsumedCapacity;
        answer.body = Buffer.from(JSON.stringify(output));
        // The CRC32 of the changed body would no longer match.
        delete answer.headers['x-amz-crc32'];
      }
    },
  });
  return {
    endpoint: proxy.endpoint,
    operations,
    reset: () => operations.clear(),
    close: () => proxy.close(),
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
