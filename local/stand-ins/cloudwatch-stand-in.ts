import {
  type Datapoint,
  type DeleteAlarmsInput,
  type DescribeAlarmsInput,
  type DescribeAlarmsOutput,
  type Dimension,
  type Entity,
  type GetMetricStatisticsInput,
  type GetMetricStatisticsOutput,
  type MetricAlarm,
  type PutMetricAlarmInput,
  StandardUnit,
  type StatisticSet,
} from '@aws-sdk/client-cloudwatch';
import {
  AwsServiceError,
  fromWireTimestamp,
  type JsonObject,
  operation,
  type ServiceErrorFactory,
  startAwsJsonServer,
} from './aws-json-server.js';
import { type FaultControls, withFaultControls } from './fault-injection.js';

const MAX_DATUMS_PER_CALL = 1000;
const MAX_VALUES_PER_DATUM = 150;
const MAX_DIMENSIONS = 30;
const MAX_ALARM_NAMES = 100;
const MAX_ACTIONS = 5;
const DEFAULT_DESCRIBE_PAGE = 50;
const MAX_DESCRIBE_PAGE = 100;
const STANDARD_UNITS: ReadonlySet<string> = new Set(Object.values(StandardUnit));

/** One stored metric datum, as PutMetricData delivered it. */
export interface StoredDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  /** The datum's own timestamp, or the arrival time when it had none. */
  readonly timestamp: Date;
  readonly value?: number;
  readonly values?: readonly number[];
  readonly counts?: readonly number[];
  readonly statisticValues?: StatisticSet;
  readonly unit?: string;
  readonly storageResolution?: number;
  /** Set for datums sent through `EntityMetricData`. */
  readonly entity?: Entity;
}

/**
 * Dimensions to match: a name→value record or a Dimension list, compared as a set (a metric's
 * identity in CloudWatch includes all of its dimensions). Omit to match any dimensions.
 */
export type DimensionFilter = Readonly<Record<string, string>> | readonly Dimension[];

/** Read-back helpers over everything PutMetricData stored. */
export class MetricStore {
  private readonly stored: StoredDatum[] = [];

  /** Stored datums in arrival order, optionally narrowed. */
  datums(
    filter: { namespace?: string; metricName?: string; dimensions?: DimensionFilter } = {},
  ): StoredDatum[] {
    return this.stored
      .filter(
        (datum) =>
          (filter.namespace === undefined || datum.namespace === filter.namespace) &&
          (filter.metricName === undefined || datum.metricName === filter.metricName) &&
          dimensionsMatch(datum.dimensions, filter.dimensions),
      )
      .map((datum) => structuredClone(datum));
  }

  /** Sum of all values: `Value`, `Values`×`Counts` and `StatisticValues.Sum`. */
  sum(namespace: string, metricName: string, dimensions?: DimensionFilter): number {
    let total = 0;
    for (const datum of this.select(namespace, metricName, dimensions)) {
      if (datum.value !== undefined) {
        total += datum.value;
      }
      datum.values?.forEach((value, index) => {
        total += value * (datum.counts?.[index] ?? 1);
      });
      if (datum.statisticValues !== undefined) {
        total += datum.statisticValues.Sum ?? 0;
      }
    }
    return total;
  }

  /** Number of samples: 1 per `Value`, the `Counts` (1 each by default), `SampleCount`. */
  sampleCount(namespace: string, metricName: string, dimensions?: DimensionFilter): number {
    let count = 0;
    for (const datum of this.select(namespace, metricName, dimensions)) {
      if (datum.value !== undefined) {
        count += 1;
      }
      datum.values?.forEach((_, index) => {
        count += datum.counts?.[index] ?? 1;
      });
      if (datum.statisticValues !== undefined) {
        count += datum.statisticValues.SampleCount ?? 0;
      }
    }
    return count;
  }

  clear(): void {
    this.stored.length = 0;
  }

  /** @internal Used by the stand-in after validation. */
  add(datums: readonly StoredDatum[]): void {
    this.stored.push(...datums);
  }

  private select(
    namespace: string,
    metricName: string,
    dimensions: DimensionFilter | undefined,
  ): StoredDatum[] {
    return this.stored.filter(
      (datum) =>
        datum.namespace === namespace &&
        datum.metricName === metricName &&
        dimensionsMatch(datum.dimensions, dimensions),
    );
  }
}

/** Options for {@link startCloudWatchStandIn}. */
export interface CloudWatchStandInOptions {
  /** Port on 127.0.0.1; a free one when absent or 0. */
  readonly port?: number;
  /** Seed for the fault dice. */
  readonly seed?: number;
  /** Time source for datums without a timestamp and for alarm stamps. */
  readonly clock?: () => Date;
  /** Used to build alarm ARNs. */
  readonly region?: string;
  readonly accountId?: string;
}

/** A running CloudWatch stand-in. */
export interface CloudWatchStandIn extends FaultControls {
  /** Pass as the client's `endpoint` or as `AWS_ENDPOINT_URL_CLOUDWATCH`. */
  readonly endpoint: string;
  readonly metrics: MetricStore;
  /** Metric alarms by name; live, so tests may also seed or inspect them directly. */
  readonly alarms: Map<string, MetricAlarm>;
  close(): Promise<void>;
}

/**
 * Starts a CloudWatch endpoint speaking what SDK v3 now sends: awsJson1_0 with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>` in awsQuery-compatible mode, so
 * errors carry the legacy query code in `x-amzn-query-error`. Serves PutMetricData (gzip
 * bodies included), GetMetricStatistics (Sum and SampleCount), PutMetricAlarm, DescribeAlarms
 * and DeleteAlarms.
 */
export async function startCloudWatchStandIn(
  options: CloudWatchStandInOptions = {},
): Promise<CloudWatchStandIn> {
  const clock = options.clock ?? (() => new Date());
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const metrics = new MetricStore();
  const alarms = new Map<string, MetricAlarm>();

  const server = await startAwsJsonServer({
    jsonVersion: '1.0',
    targetPrefix: 'GraniteServiceVersion20100801',
    queryCompatible: true,
    errors: cloudWatchErrors,
    handlers: {
      PutMetricData: (input) => {
        metrics.add(parsePutMetricData(input, clock()));
        return {};
      },
      PutMetricAlarm: operation((input: PutMetricAlarmInput) => {
        const alarm = buildAlarm(input, alarms.get(String(input.AlarmName)), clock(), {
          region,
          accountId,
        });
        alarms.set(alarm.AlarmName ?? '', alarm);
        return {};
      }),
      DescribeAlarms: operation((input: DescribeAlarmsInput) => describeAlarms(alarms, input)),
      GetMetricStatistics: operation((input: GetMetricStatisticsInput) =>
        getMetricStatistics(metrics, input),
      ),
      DeleteAlarms: operation((input: DeleteAlarmsInput) => {
        const names = alarmNameList(input.AlarmNames, 'AlarmNames', true);
        const missing = names.filter((name) => !alarms.has(name));
        if (missing.length > 0) {
          throw cloudWatchError('ResourceNotFound', `Alarm(s) not found: ${missing.join(', ')}`);
        }
        for (const name of names) {
          alarms.delete(name);
        }
        return {};
      }),
    },
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  return withFaultControls(server.injector, {
    endpoint: server.endpoint,
    metrics,
    alarms,
    close: () => server.close(),
  });
}

interface CloudWatchErrorSpec {
  /** Smithy shape name, absent for errors the model does not define (throttling). */
  readonly shape?: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
}

/** Keyed by the awsQuery error code, which is what the SDK names the error after. */
const CLOUDWATCH_ERRORS: Readonly<Record<string, CloudWatchErrorSpec>> = {
  Throttling: { status: 400, type: 'Sender' },
  InternalServiceError: { shape: 'InternalServiceFault', status: 500, type: 'Receiver' },
  InvalidParameterValue: { shape: 'InvalidParameterValueException', status: 400, type: 'Sender' },
  InvalidParameterCombination: {
    shape: 'InvalidParameterCombinationException',
    status: 400,
    type: 'Sender',
  },
  MissingParameter: { shape: 'MissingRequiredParameterException', status: 400, type: 'Sender' },
  ResourceNotFound: { shape: 'ResourceNotFound', status: 404, type: 'Sender' },
  LimitExceeded: { shape: 'LimitExceededFault', status: 400, type: 'Sender' },
  InvalidNextToken: { shape: 'InvalidNextToken', status: 400, type: 'Sender' },
};

/** Builds an error from its query code or, for failNext convenience, its shape name. */
function cloudWatchError(codeOrShape: string, message: string): AwsServiceError {
  const [code, spec] = Object.entries(CLOUDWATCH_ERRORS).find(
    ([queryCode, candidate]) => queryCode === codeOrShape || candidate.shape === codeOrShape,
  ) ?? [codeOrShape, undefined];
  const status = spec?.status ?? 400;
  const type = spec?.type ?? (status >= 500 ? 'Receiver' : 'Sender');
  return new AwsServiceError(spec?.shape ?? code, message, status, {
    type: spec?.shape === undefined ? code : `com.amazonaws.cloudwatch#${spec.shape}`,
    queryError: { code, type },
  });
}

const cloudWatchErrors: ServiceErrorFactory = {
  throttle: () => cloudWatchError('Throttling', 'Rate exceeded'),
  serverError: () => cloudWatchError('InternalServiceError', 'Internal service error'),
  fromCode: (code) => cloudWatchError(code, `Injected ${code}`),
};

function invalidValue(message: string): AwsServiceError {
  return cloudWatchError('InvalidParameterValue', message);
}

function parsePutMetricData(input: JsonObject, now: Date): StoredDatum[] {
  const namespace = input.Namespace;
  if (typeof namespace !== 'string' || namespace === '') {
    throw cloudWatchError('MissingParameter', 'The parameter Namespace is required.');
  }
  // The AWS/ prefix is reserved for AWS services' own metrics.
  if (namespace.startsWith('AWS/')) {
    throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  if (namespace.length > 255) {
    throw invalidValue('The parameter Namespace must be no longer than 255 characters.');
  }
  const plain = listOrEmpty(input.MetricData, 'MetricData').map((datum) => ({
    datum,
    entity: undefined as Entity | undefined,
  }));
  const withEntity = listOrEmpty(input.EntityMetricData, 'EntityMetricData').flatMap((group) => {
    const record = asObject(group, 'EntityMetricData.member');
    const entity = record.Entity === undefined ? undefined : (record.Entity as Entity);
    return listOrEmpty(record.MetricData, 'EntityMetricData.member.MetricData').map((datum) => ({
      datum,
      entity,
    }));
  });
  const all = [...plain, ...withEntity];
  if (all.length === 0) {
    throw cloudWatchError('MissingParameter', 'The parameter MetricData is required.');
  }
  if (all.length > MAX_DATUMS_PER_CALL) {
    throw invalidValue(
      `The collection MetricData must not have a size greater than ${MAX_DATUMS_PER_CALL}.`,
    );
  }
  return all.map(({ datum, entity }, index) =>
    parseDatum(namespace, datum, `MetricData.member.${index + 1}`, now, entity),
  );
}

function parseDatum(
  namespace: string,
  raw: unknown,
  path: string,
  now: Date,
  entity: Entity | undefined,
): StoredDatum {
  const datum = asObject(raw, path);
  const metricName = datum.MetricName;
  if (typeof metricName !== 'string' || metricName === '') {
    throw cloudWatchError('MissingParameter', `The parameter ${path}.MetricName is required.`);
  }
  const dimensions = listOrEmpty(datum.Dimensions, `${path}.Dimensions`).map((item, index) => {
    const dimension = asObject(item, `${path}.Dimensions.member.${index + 1}`);
    if (typeof dimension.Name !== 'string' || dimension.Name === '') {
      throw cloudWatchError(
        'MissingParameter',
        `The parameter ${path}.Dimensions.member.${index + 1}.Name is required.`,
      );
    }
    if (typeof dimension.Value !== 'string' || dimension.Value === '') {
      throw cloudWatchError(
        'MissingParameter',
        `The parameter ${path}.Dimensions.member.${index + 1}.Value is required.`,
      );
    }
    return { Name: dimension.Name, Value: dimension.Value };
  });
  if (dimensions.length > MAX_DIMENSIONS) {
    throw invalidValue(
      `The collection ${path}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`,
    );
  }
  const given = (['Value', 'Values', 'StatisticValues'] as const).filter(
    (key) => datum[key] !== undefined,
  );
  if (given.length > 1) {
    throw cloudWatchError(
      'InvalidParameterCombination',
      `The parameters ${given.map((key) => `${path}.${key}`).join(' and ')} are mutually exclusive and you have specified more than one.`,
    );
  }
  if (given.length === 0) {
    throw cloudWatchError(
      'InvalidParameterCombination',
      `At least one of the parameters ${path}.Value, ${path}.Values or ${path}.StatisticValues must be specified.`,
    );
  }
  const stored: {
    -readonly [K in keyof StoredDatum]: StoredDatum[K];
  } = {
    namespace,
    metricName,
    dimensions,
    timestamp: now,
  };
  if (datum.Timestamp !== undefined) {
    const timestamp = fromWireTimestamp(datum.Timestamp);
    if (timestamp === undefined) {
      throw invalidValue(`The parameter ${path}.Timestamp must be a valid timestamp.`);
    }
    stored.timestamp = timestamp;
  }
  if (datum.Value !== undefined) {
    stored.value = finiteNumber(datum.Value, `${path}.Value`);
  }
  if (datum.Values !== undefined) {
    const values = listOrEmpty(datum.Values, `${path}.Values`).map((value, index) =>
      finiteNumber(value, `${path}.Values.member.${index + 1}`),
    );
    if (values.length > MAX_VALUES_PER_DATUM) {
      throw invalidValue(
        `The collection ${path}.Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`,
      );
    }
    stored.values = values;
  }
  if (datum.Counts !== undefined) {
    if (stored.values === undefined) {
      throw cloudWatchError(
        'InvalidParameterCombination',
        `The parameter ${path}.Counts can only be used together with ${path}.Values.`,
      );
    }
    const counts = listOrEmpty(datum.Counts, `${path}.Counts`).map((value, index) =>
      finiteNumber(value, `${path}.Counts.member.${index + 1}`),
    );
    if (counts.length !== stored.values.length) {
      throw invalidValue(
        `The parameters ${path}.Values and ${path}.Counts must be of the same size.`,
      );
    }
    stored.counts = counts;
  }
  if (datum.StatisticValues !== undefined) {
    const set = asObject(datum.StatisticValues, `${path}.StatisticValues`);
    stored.statisticValues = {
      SampleCount: finiteNumber(set.SampleCount, `${path}.StatisticValues.SampleCount`),
      Sum: finiteNumber(set.Sum, `${path}.StatisticValues.Sum`),
      Minimum: finiteNumber(set.Minimum, `${path}.StatisticValues.Minimum`),
      Maximum: finiteNumber(set.Maximum, `${path}.StatisticValues.Maximum`),
    };
  }
  if (datum.Unit !== undefined) {
    if (typeof datum.Unit !== 'string' || !STANDARD_UNITS.has(datum.Unit)) {
      throw invalidValue(`The value ${String(datum.Unit)} for parameter ${path}.Unit is invalid.`);
    }
    stored.unit = datum.Unit;
  }
  if (datum.StorageResolution !== undefined) {
    const resolution = datum.StorageResolution;
    if (resolution !== 1 && resolution !== 60) {
      throw invalidValue(`The parameter ${path}.StorageResolution must be 1 or 60.`);
    }
    stored.storageResolution = resolution;
  }
  if (entity !== undefined) {
    stored.entity = entity;
  }
  return stored;
}

function buildAlarm(
  input: PutMetricAlarmInput,
  existing: MetricAlarm | undefined,
  now: Date,
  where: { region: string; accountId: string },
): MetricAlarm {
  const name = input.AlarmName;
  if (typeof name !== 'string' || name === '') {
    throw cloudWatchError('MissingParameter', 'The parameter AlarmName is required.');
  }
  if (
    input.Metrics !== undefined &&
    (input.MetricName !== undefined || input.Namespace !== undefined)
  ) {
    throw cloudWatchError(
      'InvalidParameterCombination',
      'Metrics cannot be specified together with MetricName or Namespace.',
    );
  }
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
    throw cloudWatchError(
      'InvalidParameterCombination',
      'Statistic and ExtendedStatistic are mutually exclusive.',
    );
  }
  for (const key of ['OKActions', 'AlarmActions', 'InsufficientDataActions'] as const) {
    if ((input[key]?.length ?? 0) > MAX_ACTIONS) {
      throw invalidValue(`The collection ${key} must not have a size greater than ${MAX_ACTIONS}.`);
    }
  }
  const { Tags: _tags, ...definition } = structuredClone(input);
  return {
    ...definition,
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:${where.region}:${where.accountId}:alarm:${name}`,
    AlarmConfigurationUpdatedTimestamp: now,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: input.OKActions ?? [],
    AlarmActions: input.AlarmActions ?? [],
    InsufficientDataActions: input.InsufficientDataActions ?? [],
    Dimensions: input.Dimensions ?? [],
    // Redefining an alarm keeps its state, as CloudWatch does until the next evaluation.
    StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
    StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
    StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
    StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
  };
}

function describeAlarms(
  alarms: ReadonlyMap<string, MetricAlarm>,
  input: DescribeAlarmsInput,
): DescribeAlarmsOutput {
  if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
    throw cloudWatchError(
      'InvalidParameterCombination',
      'AlarmNames and AlarmNamePrefix cannot be specified together.',
    );
  }
  const names =
    input.AlarmNames === undefined
      ? undefined
      : new Set(alarmNameList(input.AlarmNames, 'AlarmNames', false));
  const pageSize = input.MaxRecords ?? DEFAULT_DESCRIBE_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_DESCRIBE_PAGE) {
    throw invalidValue(`MaxRecords must be between 1 and ${MAX_DESCRIBE_PAGE}.`);
  }
  const wantsMetricAlarms =
    input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm');
  const matching = wantsMetricAlarms
    ? [...alarms.values()]
        .filter((alarm) => {
          const name = alarm.AlarmName ?? '';
          return (
            (names === undefined || names.has(name)) &&
            (input.AlarmNamePrefix === undefined || name.startsWith(input.AlarmNamePrefix)) &&
            (input.StateValue === undefined || alarm.StateValue === input.StateValue) &&
            (input.ActionPrefix === undefined ||
              [
                ...(alarm.AlarmActions ?? []),
                ...(alarm.OKActions ?? []),
                ...(alarm.InsufficientDataActions ?? []),
              ].some((action) => action.startsWith(input.ActionPrefix ?? '')))
          );
        })
        .sort((a, b) => ((a.AlarmName ?? '') < (b.AlarmName ?? '') ? -1 : 1))
    : [];
  let start = 0;
  if (input.NextToken !== undefined) {
    const after = decodeNameToken(input.NextToken);
    start = matching.findIndex((alarm) => (alarm.AlarmName ?? '') > after);
    if (start === -1) {
      start = matching.length;
    }
  }
  const page = matching.slice(start, start + pageSize);
  const last = page.at(-1)?.AlarmName;
  return {
    MetricAlarms: structuredClone(page),
    CompositeAlarms: [],
    ...(start + pageSize < matching.length && last !== undefined
      ? { NextToken: Buffer.from(last).toString('base64url') }
      : {}),
  };
}

function decodeNameToken(token: unknown): string {
  if (typeof token !== 'string' || token === '') {
    throw cloudWatchError('InvalidNextToken', 'The service cannot find the specified token.');
  }
  return Buffer.from(token, 'base64url').toString('utf8');
}

function alarmNameList(value: unknown, field: string, required: boolean): string[] {
  if (value === undefined && !required) {
    return [];
  }
  if (!Array.isArray(value) || (required && value.length === 0)) {
    throw cloudWatchError('MissingParameter', `The parameter ${field} is required.`);
  }
  if (value.length > MAX_ALARM_NAMES) {
    throw invalidValue(
      `The collection ${field} must not have a size greater than ${MAX_ALARM_NAMES}.`,
    );
  }
  return value.map((name, index) => {
    if (typeof name !== 'string' || name === '') {
      throw invalidValue(`The parameter ${field}.member.${index + 1} must be a non-empty string.`);
    }
    return name;
  });
}

function dimensionsMatch(
  actual: readonly Dimension[],
  wanted: DimensionFilter | undefined,
): boolean {
  if (wanted === undefined) {
    return true;
  }
  const wantedPairs: [string, string][] = Array.isArray(wanted)
    ? (wanted as readonly Dimension[]).map((d) => [d.Name ?? '', d.Value ?? ''])
    : Object.entries(wanted as Readonly<Record<string, string>>);
  if (wantedPairs.length !== actual.length) {
    return false;
  }
  return wantedPairs.every(([name, value]) =>
    actual.some((dimension) => dimension.Name === name && dimension.Value === value),
  );
}

function listOrEmpty(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw invalidValue(`The parameter ${path} must be a list.`);
  }
  return value;
}

function asObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(`The parameter ${path} must be a structure.`);
  }
  return value as JsonObject;
}

function finiteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidValue(`The parameter ${path} must be a finite number.`);
  }
  return value;
}

/**
 * GetMetricStatistics over the stored datums of exactly the given dimensions: one datapoint per
 * `Period` seconds from `StartTime` that holds any, with Sum and SampleCount.
 */
function getMetricStatistics(
  metrics: MetricStore,
  input: GetMetricStatisticsInput,
): GetMetricStatisticsOutput {
  const start = fromWireTimestamp(input.StartTime);
  const end = fromWireTimestamp(input.EndTime);
  const periodMs = Number(input.Period) * 1000;
  if (input.Namespace === undefined || input.MetricName === undefined) {
    throw cloudWatchError('MissingParameter', 'Namespace and MetricName are required');
  }
  if (start === undefined || end === undefined || !(periodMs > 0)) {
    throw cloudWatchError('InvalidParameterValue', 'StartTime, EndTime and Period are required');
  }
  const statistics = input.Statistics ?? [];
  if (statistics.length === 0 || statistics.some((s) => s !== 'Sum' && s !== 'SampleCount')) {
    throw cloudWatchError('InvalidParameterValue', 'the stand-in serves Sum and SampleCount only');
  }
  const buckets = new Map<number, { sum: number; count: number }>();
  for (const datum of metrics.datums({
    namespace: input.Namespace,
    metricName: input.MetricName,
    dimensions: input.Dimensions ?? [],
  })) {
    const time = datum.timestamp.getTime();
    if (time < start.getTime() || time >= end.getTime()) continue;
    const bucket = start.getTime() + Math.floor((time - start.getTime()) / periodMs) * periodMs;
    const totals = buckets.get(bucket) ?? { sum: 0, count: 0 };
    if (datum.value !== undefined) {
      totals.sum += datum.value;
      totals.count += 1;
    }
    datum.values?.forEach((value, index) => {
      totals.sum += value * (datum.counts?.[index] ?? 1);
      totals.count += datum.counts?.[index] ?? 1;
    });
    totals.sum += datum.statisticValues?.Sum ?? 0;
    totals.count += datum.statisticValues?.SampleCount ?? 0;
    buckets.set(bucket, totals);
  }
  const datapoints: Datapoint[] = [...buckets].map(([bucket, totals]) => ({
    Timestamp: new Date(bucket),
    ...(statistics.includes('Sum') ? { Sum: totals.sum } : {}),
    ...(statistics.includes('SampleCount') ? { SampleCount: totals.count } : {}),
  }));
  return { Label: input.MetricName, Datapoints: datapoints };
}
