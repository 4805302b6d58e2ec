import { AthenaClient, BatchGetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryExecutionSource } from '../../lib/athena/athena-query-execution-source.js';
import { aQueryExecution } from '../support/factories.js';

const athenaMock = mockClient(AthenaClient);
const ids = (count: number) =>
  Array.from({ length: count }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);

describe('AthenaQueryExecutionSource', () => {
  beforeEach(() => athenaMock.reset());

  it('asks for at most 50 ids per call, ceil(n / 50) calls in all', async () => {
    // Prepare
    athenaMock
      .on(BatchGetQueryExecutionCommand)
      .callsFake((input: { QueryExecutionIds: string[] }) => ({
        QueryExecutions: input.QueryExecutionIds.map((id) => aQueryExecution({ id })),
        UnprocessedQueryExecutionIds: [],
      }));
    const source = new AthenaQueryExecutionSource(new AthenaClient({ region: 'us-east-1' }));
    // Act
    const fetched = await source.fetchExecutions(ids(121));
    // Assess
    const calls = athenaMock.commandCalls(BatchGetQueryExecutionCommand);
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.args[0].input.QueryExecutionIds?.length).sort()).toEqual([
      21, 50, 50,
    ]);
    expect(fetched.executions).toHaveLength(121);
    expect(fetched.failures.size).toBe(0);
  });

  it('asks once more for unprocessed ids and reports those still unprocessed', async () => {
    const [recovering, stubborn, fine] = ids(3) as [string, string, string];
    athenaMock
      .on(BatchGetQueryExecutionCommand)
      .resolvesOnce({
        QueryExecutions: [aQueryExecution({ id: fine })],
        UnprocessedQueryExecutionIds: [
          { QueryExecutionId: recovering, ErrorCode: 'INTERNAL_ERROR', ErrorMessage: 'try again' },
          { QueryExecutionId: stubborn, ErrorCode: 'INVALID_INPUT', ErrorMessage: 'not found' },
        ],
      })
      .resolvesOnce({
        QueryExecutions: [aQueryExecution({ id: recovering })],
        UnprocessedQueryExecutionIds: [
          { QueryExecutionId: stubborn, ErrorCode: 'INVALID_INPUT', ErrorMessage: 'not found' },
        ],
      });
    const source = new AthenaQueryExecutionSource(new AthenaClient({ region: 'us-east-1' }));

    const fetched = await source.fetchExecutions([recovering, stubborn, fine]);

    expect(athenaMock.commandCalls(BatchGetQueryExecutionCommand)).toHaveLength(2);
    expect(
      athenaMock.commandCalls(BatchGetQueryExecutionCommand)[1]?.args[0].input.QueryExecutionIds,
    ).toEqual([recovering, stubborn]);
    expect(fetched.executions.map((execution) => execution.QueryExecutionId).sort()).toEqual(
      [recovering, fine].sort(),
    );
    expect([...fetched.failures]).toEqual([
      [stubborn, 'unprocessed by BatchGetQueryExecution: INVALID_INPUT not found'],
    ]);
  });

  it('reports every id of a chunk whose call still fails after the SDK retries, and keeps the other chunks', async () => {
    const all = ids(60);
    athenaMock
      .on(BatchGetQueryExecutionCommand)
      .callsFake((input: { QueryExecutionIds: string[] }) => {
        if (input.QueryExecutionIds.length === 50) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return { QueryExecutions: input.QueryExecutionIds.map((id) => aQueryExecution({ id })) };
      });
    const source = new AthenaQueryExecutionSource(
      new AthenaClient({ region: 'us-east-1', maxAttempts: 1 }),
    );

    const fetched = await source.fetchExecutions(all);

    expect(fetched.executions).toHaveLength(10);
    expect(fetched.failures.size).toBe(50);
    expect(fetched.failures.get(all[0] as string)).toBe(
      'BatchGetQueryExecution failed: ThrottlingException: Rate exceeded',
    );
  });
});
