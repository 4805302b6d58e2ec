import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  GetWorkGroupCommand,
  ListWorkGroupsCommand,
  paginateListQueryExecutions,
  type QueryExecution,
  StopQueryExecutionCommand,
  UpdateWorkGroupCommand,
} from '@aws-sdk/client-athena';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type MetricDatum,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderAlert } from '../../lib/alerts/render-alert.js';
import { snsAlertMessageOf } from '../../lib/alerts/sns-alert-message.js';
import { type AthenaStandIn, startAthenaStandIn } from '../../local/stand-ins/athena-stand-in.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../../local/stand-ins/cloudwatch-stand-in.js';
import {
  messageForProtocol,
  type SnsStandIn,
  startSnsStandIn,
} from '../../local/stand-ins/sns-stand-in.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const clientConfig = (endpoint: string, maxAttempts = 1) => ({
  region: 'us-east-1',
  endpoint,
  credentials,
  maxAttempts,
});

/** Runs `action` and returns what it threw, failing the test when it did not throw. */
async function caught(action: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await action();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

function execution(
  id: string,
  submittedAtMs: number,
  overrides: Partial<QueryExecution> = {},
): QueryExecution {
  return {
    QueryExecutionId: id,
    Query: `SELECT ${id}`,
    StatementType: 'DML',
    WorkGroup: 'analytics',
    Status: {
      State: 'SUCCEEDED',
      SubmissionDateTime: new Date(submittedAtMs),
      CompletionDateTime: new Date(submittedAtMs + 2_345),
    },
    Statistics: {
      EngineExecutionTimeInMillis: 2_000,
      DataScannedInBytes: 987_654_321_012,
      TotalExecutionTimeInMillis: 2_345,
      QueryQueueTimeInMillis: 100,
      QueryPlanningTimeInMillis: 200,
      ServicePreProcessingTimeInMillis: 20,
      ServiceProcessingTimeInMillis: 25,
      DpuCount: 24.5,
    },
    ResultConfiguration: { OutputLocation: `s3://results/${id}.csv` },
    EngineVersion: {
      SelectedEngineVersion: 'AUTO',
      EffectiveEngineVersion: 'Athena engine version 3',
    },
    ...overrides,
  };
}

describe('Athena stand-in', () => {
  let athena: AthenaStandIn;
  let client: AthenaClient;

  beforeAll(async () => {
    athena = await startAthenaStandIn({ seed: 7 });
    client = new AthenaClient(clientConfig(athena.endpoint));
    athena.account.addWorkGroup({
      Name: 'analytics',
      Description: 'Analysts',
      Configuration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1_000_000_000,
        EngineConfiguration: {
          Classifications: [
            {
              Name: 'athena-query-engine-properties',
              Properties: { 'max-dpu-count': '124', 'min-dpu-count': '4' },
            },
          ],
        },
      },
    });
  });

  afterEach(() => {
    athena.faults = {};
    athena.resetCalls();
  });

  afterAll(async () => {
    client.destroy();
    await athena.close();
  });

  it('round-trips executions through BatchGetQueryExecution and reports unknown ids', async () => {
    const stored = execution('q-batch', Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    athena.account.putQueryExecution(stored);

    const result = await client.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ['q-batch', 'q-missing'] }),
    );

    expect(result.QueryExecutions).toEqual([stored]);
    const status = result.QueryExecutions?.[0]?.Status;
    expect(status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(status?.SubmissionDateTime?.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(result.QueryExecutions?.[0]?.Statistics?.DpuCount).toBe(24.5);
    expect(result.UnprocessedQueryExecutionIds).toEqual([
      {
        QueryExecutionId: 'q-missing',
        ErrorCode: 'INVALID_INPUT',
        ErrorMessage: 'QueryExecution q-missing was not found',
      },
    ]);
  });

  it('reports ids marked unprocessed once, then serves them', async () => {
    athena.account.putQueryExecution(execution('q-flaky', Date.UTC(2026, 0, 3)));
    athena.account.unprocessedOnce(['q-flaky'], 'INTERNAL_FAILURE');

    const first = await client.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ['q-flaky'] }),
    );
    const second = await client.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ['q-flaky'] }),
    );

    expect(first.QueryExecutions).toEqual([]);
    expect(first.UnprocessedQueryExecutionIds?.[0]).toMatchObject({
      QueryExecutionId: 'q-flaky',
      ErrorCode: 'INTERNAL_FAILURE',
    });
    expect(second.QueryExecutions?.map((e) => e.QueryExecutionId)).toEqual(['q-flaky']);
    expect(second.UnprocessedQueryExecutionIds).toEqual([]);
  });

  it('rejects more than 50 ids', async () => {
    const ids = Array.from({ length: 51 }, (_, index) => `id-${index}`);

    const error = await caught(() =>
      client.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids })),
    );

    expect(error.name).toBe('InvalidRequestException');
    expect(error.AthenaErrorCode).toBe('INVALID_INPUT');
    expect(error.$fault).toBe('client');
  });

  it('answers GetQueryExecution and rejects unknown ids', async () => {
    athena.account.putQueryExecution(execution('q-get', Date.UTC(2026, 0, 4)));

    const found = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: 'q-get' }));
    const error = await caught(() =>
      client.send(new GetQueryExecutionCommand({ QueryExecutionId: 'q-nope' })),
    );

    expect(found.QueryExecution?.QueryExecutionId).toBe('q-get');
    expect(error.name).toBe('InvalidRequestException');
    expect(error.message).toBe('QueryExecution q-nope was not found');
  });

  it('pages ListQueryExecutions newest first within the workgroup', async () => {
    athena.account.addWorkGroup({ Name: 'paging' });
    const base = Date.UTC(2026, 1, 1);
    // Inserted out of order so that only sorting can produce the expected order.
    for (const offset of [3, 0, 4, 1, 2]) {
      athena.account.putQueryExecution(
        execution(`p-${offset}`, base + offset * 60_000, { WorkGroup: 'paging' }),
      );
    }
    athena.account.putQueryExecution(execution('elsewhere', base + 999_999));

    const pages: string[][] = [];
    for await (const page of paginateListQueryExecutions(
      { client, pageSize: 2 },
      { WorkGroup: 'paging' },
    )) {
      pages.push(page.QueryExecutionIds ?? []);
    }

    expect(pages).toEqual([['p-4', 'p-3'], ['p-2', 'p-1'], ['p-0']]);
    expect(athena.calls.get('ListQueryExecutions')).toBe(3);
  });

  it('lists workgroups as summaries and pages them', async () => {
    const first = await client.send(new ListWorkGroupsCommand({ MaxResults: 1 }));
    const rest = await client.send(
      new ListWorkGroupsCommand({ MaxResults: 50, NextToken: first.NextToken }),
    );

    const all = [...(first.WorkGroups ?? []), ...(rest.WorkGroups ?? [])];
    expect(all.map((summary) => summary.Name)).toEqual(athena.account.workGroupNames());
    expect(all.find((summary) => summary.Name === 'analytics')).toMatchObject({
      State: 'ENABLED',
      Description: 'Analysts',
      EngineVersion: { SelectedEngineVersion: 'AUTO' },
    });
    expect(all[0]?.CreationTime).toBeInstanceOf(Date);
    expect(rest.NextToken).toBeUndefined();
  });

  it('merges UpdateWorkGroup changes and keeps untouched configuration', async () => {
    athena.account.addWorkGroup({
      Name: 'merge',
      Configuration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 50_000_000,
        ResultConfiguration: { OutputLocation: 's3://results/merge/' },
      },
    });

    await client.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'merge',
        ConfigurationUpdates: {
          EngineConfiguration: {
            Classifications: [
              {
                Name: 'athena-query-engine-properties',
                Properties: { 'max-dpu-count': '64', 'min-dpu-count': '8' },
              },
            ],
          },
        },
      }),
    );
    await client.send(new UpdateWorkGroupCommand({ WorkGroup: 'merge', State: 'DISABLED' }));
    const afterState = await client.send(new GetWorkGroupCommand({ WorkGroup: 'merge' }));

    expect(afterState.WorkGroup?.State).toBe('DISABLED');
    expect(afterState.WorkGroup?.CreationTime).toBeInstanceOf(Date);
    expect(afterState.WorkGroup?.Configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 50_000_000,
      ResultConfiguration: { OutputLocation: 's3://results/merge/' },
      EngineConfiguration: {
        Classifications: [
          {
            Name: 'athena-query-engine-properties',
            Properties: { 'max-dpu-count': '64', 'min-dpu-count': '8' },
          },
        ],
      },
    });

    await client.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'merge',
        ConfigurationUpdates: {
          RemoveBytesScannedCutoffPerQuery: true,
          EngineConfiguration: {
            Classifications: [
              { Name: 'athena-query-engine-properties', Properties: { 'max-dpu-count': '32' } },
            ],
          },
        },
      }),
    );
    const afterRemove = await client.send(new GetWorkGroupCommand({ WorkGroup: 'merge' }));

    expect(afterRemove.WorkGroup?.Configuration?.BytesScannedCutoffPerQuery).toBeUndefined();
    expect(afterRemove.WorkGroup?.Configuration?.EnforceWorkGroupConfiguration).toBe(true);
    expect(afterRemove.WorkGroup?.Configuration?.EngineConfiguration?.Classifications).toEqual([
      { Name: 'athena-query-engine-properties', Properties: { 'max-dpu-count': '32' } },
    ]);
    expect(
      athena.account.updateWorkGroupCalls.filter((c) => c.input.WorkGroup === 'merge'),
    ).toHaveLength(3);
  });

  it.each([
    [{ 'max-dpu-count': '126' }],
    [{ 'max-dpu-count': '128' }],
    [{ 'max-dpu-count': '30' }],
    [{ 'min-dpu-count': '0' }],
    [{ 'min-dpu-count': 'four' }],
    [{ 'max-dpu-count': '16', 'min-dpu-count': '32' }],
    [{ 'max-dpu-count': '16', 'spark.executor.cores': '2' }],
  ])('rejects invalid DPU bounds %j and changes nothing', async (properties) => {
    const before = athena.account.getWorkGroup('analytics');

    const error = await caught(() =>
      client.send(
        new UpdateWorkGroupCommand({
          WorkGroup: 'analytics',
          ConfigurationUpdates: {
            BytesScannedCutoffPerQuery: 20_000_000,
            EngineConfiguration: {
              Classifications: [{ Name: 'athena-query-engine-properties', Properties: properties }],
            },
          },
        }),
      ),
    );

    expect(error.name).toBe('InvalidRequestException');
    expect(athena.account.getWorkGroup('analytics')).toEqual(before);
    expect(athena.account.updateWorkGroupCalls.at(-1)?.error).toMatch(/^InvalidRequestException/);
  });

  it('rejects GetWorkGroup for an unknown workgroup', async () => {
    const error = await caught(() => client.send(new GetWorkGroupCommand({ WorkGroup: 'ghost' })));

    expect(error.name).toBe('InvalidRequestException');
  });

  it('cancels running executions and leaves finished ones alone', async () => {
    athena.account.putQueryExecution(
      execution('q-running', Date.UTC(2026, 2, 1), {
        Status: { State: 'RUNNING', SubmissionDateTime: new Date(Date.UTC(2026, 2, 1)) },
      }),
    );
    athena.account.putQueryExecution(execution('q-done', Date.UTC(2026, 2, 1)));
    const doneBefore = athena.account.getQueryExecution('q-done');

    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: 'q-running' }));
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: 'q-done' }));
    const unknown = await caught(() =>
      client.send(new StopQueryExecutionCommand({ QueryExecutionId: 'q-unknown' })),
    );
    const running = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: 'q-running' }),
    );

    expect(running.QueryExecution?.Status?.State).toBe('CANCELLED');
    expect(running.QueryExecution?.Status?.CompletionDateTime).toBeInstanceOf(Date);
    expect(athena.account.getQueryExecution('q-done')).toEqual(doneBefore);
    expect(unknown.name).toBe('InvalidRequestException');
    expect(
      athena.account.stopQueryExecutionCalls.map((call) => [
        call.queryExecutionId,
        call.previousState,
      ]),
    ).toEqual([
      ['q-running', 'RUNNING'],
      ['q-done', 'SUCCEEDED'],
      ['q-unknown', undefined],
    ]);
  });

  it('surfaces throttling as ThrottlingException and lets SDK retries succeed', async () => {
    athena.account.putQueryExecution(execution('q-throttle', Date.UTC(2026, 3, 1)));
    athena.failNext('BatchGetQueryExecution', 1, 'ThrottlingException');

    const error = await caught(() =>
      client.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: ['q-throttle'] })),
    );

    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);

    const retrying = new AthenaClient(clientConfig(athena.endpoint, 3));
    athena.resetCalls();
    athena.failNext('BatchGetQueryExecution', 2, 'ThrottlingException');
    const result = await retrying.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ['q-throttle'] }),
    );
    retrying.destroy();

    expect(result.QueryExecutions?.[0]?.QueryExecutionId).toBe('q-throttle');
    expect(result.$metadata.attempts).toBe(3);
    expect(athena.calls.get('BatchGetQueryExecution')).toBe(3);
  });

  it('injects server errors and throttles from seeded rates, repeatably', async () => {
    athena.faults = { '*': { serverErrorRate: 1 } };
    const fault = await caught(() =>
      client.send(new GetWorkGroupCommand({ WorkGroup: 'analytics' })),
    );
    expect(fault.name).toBe('InternalServerException');
    expect(fault.$fault).toBe('server');

    const outcomes = async (seed: number): Promise<string[]> => {
      const standIn = await startAthenaStandIn({ seed });
      const seeded = new AthenaClient(clientConfig(standIn.endpoint));
      standIn.faults = { GetWorkGroup: { throttleRate: 0.5 } };
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          await seeded.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
          seen.push('ok');
        } catch (error) {
          seen.push((error as Error).name);
        }
      }
      seeded.destroy();
      await standIn.close();
      return seen;
    };
    const first = await outcomes(42);

    expect(await outcomes(42)).toEqual(first);
    expect(first).toContain('ok');
    expect(first).toContain('ThrottlingException');
  });

  it('adds configured latency', async () => {
    athena.faults = { GetWorkGroup: { latencyMs: 150 } };
    const started = performance.now();

    await client.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));

    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('CloudWatch stand-in', () => {
  let cloudWatch: CloudWatchStandIn;
  let client: CloudWatchClient;

  beforeAll(async () => {
    cloudWatch = await startCloudWatchStandIn();
    client = new CloudWatchClient(clientConfig(cloudWatch.endpoint));
  });

  afterEach(() => {
    cloudWatch.faults = {};
    cloudWatch.resetCalls();
    cloudWatch.metrics.clear();
  });

  afterAll(async () => {
    client.destroy();
    await cloudWatch.close();
  });

  it('stores a gzipped batch of 1000 datums and sums it', async () => {
    const at = new Date(Date.UTC(2026, 4, 5, 6, 7, 8, 900));
    const datums: MetricDatum[] = Array.from({ length: 1000 }, (_, index) => {
      const dimensions = [{ Name: 'WorkGroup', Value: index % 2 === 0 ? 'even' : 'odd' }];
      if (index % 10 === 0) {
        return {
          MetricName: 'DpuSeconds',
          Dimensions: dimensions,
          Values: [1, 2],
          Counts: [3, 4],
          Unit: 'Count',
          Timestamp: at,
        };
      }
      if (index % 10 === 1) {
        return {
          MetricName: 'DpuSeconds',
          Dimensions: dimensions,
          StatisticValues: { SampleCount: 5, Sum: 50, Minimum: 1, Maximum: 20 },
          Timestamp: at,
        };
      }
      return { MetricName: 'DpuSeconds', Dimensions: dimensions, Value: 2, Timestamp: at };
    });

    await client.send(new PutMetricDataCommand({ Namespace: 'AthenaCost', MetricData: datums }));

    expect(cloudWatch.calls.get('PutMetricData')).toBe(1);
    expect(cloudWatch.compressedCalls.get('PutMetricData')).toBe(1);
    expect(cloudWatch.metrics.datums()).toHaveLength(1000);
    // even indices: 100 Values datums (1*3+2*4=11), 0 StatisticValues, 400 Value datums (2)
    expect(cloudWatch.metrics.sum('AthenaCost', 'DpuSeconds', { WorkGroup: 'even' })).toBe(
      100 * 11 + 400 * 2,
    );
    // odd indices: 100 StatisticValues datums (Sum 50), 400 Value datums (2)
    expect(
      cloudWatch.metrics.sum('AthenaCost', 'DpuSeconds', [{ Name: 'WorkGroup', Value: 'odd' }]),
    ).toBe(100 * 50 + 400 * 2);
    expect(cloudWatch.metrics.sum('AthenaCost', 'DpuSeconds')).toBe(1900 + 5800);
    expect(cloudWatch.metrics.sampleCount('AthenaCost', 'DpuSeconds')).toBe(
      100 * 7 + 100 * 5 + 800,
    );
    expect(cloudWatch.metrics.sum('AthenaCost', 'DpuSeconds', {})).toBe(0);
    expect(cloudWatch.metrics.datums()[0]?.timestamp.toISOString()).toBe(at.toISOString());
    expect(cloudWatch.metrics.datums()[0]?.unit).toBe('Count');
  });

  it('sends small batches uncompressed', async () => {
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'AthenaCost',
        MetricData: [{ MetricName: 'Queries', Value: 1 }],
      }),
    );

    expect(cloudWatch.compressedCalls.get('PutMetricData')).toBeUndefined();
    expect(cloudWatch.metrics.sum('AthenaCost', 'Queries', [])).toBe(1);
  });

  /** PutMetricData of one datum of value 1. */
  const aDatumOfOne = (namespace: string, metricName: string) =>
    new PutMetricDataCommand({
      Namespace: namespace,
      MetricData: [{ MetricName: metricName, Value: 1 }],
    });

  it('rejects more than 1000 datums and reserved namespaces', async () => {
    const tooMany = Array.from({ length: 1001 }, () => ({ MetricName: 'X', Value: 1 }));

    const sizeError = await caught(() =>
      client.send(new PutMetricDataCommand({ Namespace: 'AthenaCost', MetricData: tooMany })),
    );
    const namespaceError = await caught(() => client.send(aDatumOfOne('AWS/Athena', 'X')));

    expect(sizeError.name).toBe('InvalidParameterValueException');
    expect(sizeError.message).toContain('1000');
    expect(namespaceError.name).toBe('InvalidParameterValueException');
    expect(cloudWatch.metrics.datums()).toEqual([]);
  });

  it('surfaces throttling under its query code and lets SDK retries succeed', async () => {
    cloudWatch.failNext('PutMetricData', 1);
    const putOne = aDatumOfOne('AthenaCost', 'Queries');

    const error = await caught(() => client.send(putOne));

    expect(error.name).toBe('Throttling');
    expect(error.message).toBe('Rate exceeded');

    const retrying = new CloudWatchClient(clientConfig(cloudWatch.endpoint, 3));
    cloudWatch.failNext('PutMetricData', 2, 'Throttling');
    const result = await retrying.send(putOne);
    retrying.destroy();

    expect(result.$metadata.attempts).toBe(3);
    expect(cloudWatch.metrics.sum('AthenaCost', 'Queries')).toBe(1);
  });

  it('maps server faults to InternalServiceFault', async () => {
    cloudWatch.faults = { PutMetricData: { serverErrorRate: 1 } };

    const error = await caught(() => client.send(aDatumOfOne('AthenaCost', 'Queries')));

    expect(error.name).toBe('InternalServiceFault');
    expect(error.$fault).toBe('server');
  });

  it('puts, describes and deletes metric alarms', async () => {
    const alarm = (name: string) =>
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AthenaCost',
        MetricName: 'DpuSeconds',
        Dimensions: [{ Name: 'WorkGroup', Value: 'analytics' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1000,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:alerts'],
        TreatMissingData: 'notBreaching',
      });
    await client.send(alarm('athena-cost-b'));
    await client.send(alarm('athena-cost-a'));
    await client.send(alarm('other'));

    const byPrefix = await client.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'athena-cost-' }),
    );
    const byName = await client.send(new DescribeAlarmsCommand({ AlarmNames: ['other'] }));

    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      'athena-cost-a',
      'athena-cost-b',
    ]);
    expect(byPrefix.MetricAlarms?.[0]).toMatchObject({
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:athena-cost-a',
      Threshold: 1000,
      StateValue: 'INSUFFICIENT_DATA',
      ActionsEnabled: true,
      Dimensions: [{ Name: 'WorkGroup', Value: 'analytics' }],
    });
    expect(byPrefix.MetricAlarms?.[0]?.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
    expect(byName.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['other']);

    await client.send(new DeleteAlarmsCommand({ AlarmNames: ['athena-cost-a', 'other'] }));
    const missing = await caught(() =>
      client.send(new DeleteAlarmsCommand({ AlarmNames: ['athena-cost-a'] })),
    );

    expect([...cloudWatch.alarms.keys()]).toEqual(['athena-cost-b']);
    expect(missing.name).toBe('ResourceNotFound');
  });
});

describe('SNS stand-in', () => {
  let sns: SnsStandIn;
  let client: SNSClient;
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:athena-cost-alerts';

  beforeAll(async () => {
    sns = await startSnsStandIn({ topics: [topicArn] });
    client = new SNSClient(clientConfig(sns.endpoint));
  });

  afterAll(async () => {
    client.destroy();
    await sns.close();
  });

  it('records published messages with subject and attributes', async () => {
    const result = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Budget exceeded',
        Message: 'Workgroup analytics used 120% & more <of> its budget',
        MessageAttributes: {
          workGroup: { DataType: 'String', StringValue: 'analytics' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );

    expect(result.MessageId).toBe(sns.messages[0]?.messageId);
    expect(sns.messages[0]).toMatchObject({
      topicArn,
      subject: 'Budget exceeded',
      message: 'Workgroup analytics used 120% & more <of> its budget',
      messageAttributes: {
        workGroup: { DataType: 'String', StringValue: 'analytics' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    });
  });

  it('answers awsQuery errors the SDK names correctly', async () => {
    const unknownTopic = await caught(() =>
      client.send(new PublishCommand({ TopicArn: `${topicArn}-gone`, Message: 'hello' })),
    );
    sns.failNext('Publish', 1);
    const throttled = await caught(() =>
      client.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello' })),
    );

    expect(unknownTopic.name).toBe('NotFoundException');
    expect(throttled.name).toBe('ThrottledException');
    expect(throttled.message).toBe('Rate exceeded');
    expect(sns.calls.get('Publish')).toBe(3);
  });

  it('keeps what each protocol is sent of a json structured message', async () => {
    const alert = {
      kind: 'restore',
      workgroup: 'analytics',
      period: 'day',
      periodKey: '2026-11-25',
      restored: true,
      conflicts: [],
      detail: 'restored the settings from before the period',
      at: '2026-11-26T00:30:00.000Z',
    } as const;
    const message = snsAlertMessageOf(alert);

    await client.send(new PublishCommand({ TopicArn: topicArn, ...message }));
    const noDefault = await caught(() =>
      client.send(
        new PublishCommand({
          TopicArn: topicArn,
          MessageStructure: 'json',
          Message: JSON.stringify({ email: 'text only' }),
        }),
      ),
    );

    const published = sns.messages.at(-1);
    expect(published?.messageStructure).toBe('json');
    expect(published?.subject).toBe(message.Subject);
    const rendered = renderAlert(alert);
    expect(published && messageForProtocol(published, 'email')).toBe(rendered.text);
    expect(published && messageForProtocol(published, 'sms')).toBe(rendered.text);
    expect(JSON.parse(published ? messageForProtocol(published, 'https') : '')).toEqual(
      rendered.chat,
    );
    expect(JSON.parse(published ? messageForProtocol(published, 'sqs') : '')).toEqual(alert);
    expect(noDefault.name).toBe('InvalidParameterException');
    expect(noDefault.message).toContain('No default entry');
  });

  it('is reachable through AWS_ENDPOINT_URL_SNS', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
    try {
      const viaEnvironment = new SNSClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
      await viaEnvironment.send(new PublishCommand({ TopicArn: topicArn, Message: 'via env' }));
      viaEnvironment.destroy();
    } finally {
      if (previous === undefined) {
        delete process.env.AWS_ENDPOINT_URL_SNS;
      } else {
        process.env.AWS_ENDPOINT_URL_SNS = previous;
      }
    }

    expect(sns.messages.at(-1)?.message).toBe('via env');
  });
});
