import {
  type Datapoint,
  type DeleteAlarmsInput,
  type DescribeAlarmsInput,
  type DescribeAlarmsOutput,
  type Dimension,
  type Entity,
  type GetMetricDataInput,
  type GetMetricDataOutput,
  type GetMetricStatisticsInput,
  type GetMetricStatisticsOutput,
  type ListMetricsInput,
  type ListMetricsOutput,
  type Metric,
  type MetricAlarm,
  type MetricDataResult,
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
import { keysetPage } from './keyset-page.js';

const MAX_DATUMS_PER_CALL = 1000;
const MAX_VALUES_PER_DATUM = 150;
const MAX_DIMENSIONS = 30;
const MAX_ALARM_NAMES = 100;
const MAX_ACTIONS = 5;
const DEFAULT_DESCRIBE_PAGE = 50;
const MAX_DESCRIBE_PAGE = 100;
const STANDARD_UNITS: ReadonlySet<string> = new Set(Object.values(StandardUnit));
const MAX_METRIC_DATA_QUERIES = 500;
const LIST_METRICS_PAGE = 500;
/** GetMetricData query ids: a lower-case letter, then letters, digits and underscores. */
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

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

  /**
   * Stores a datum an AWS service publishes itself (e.g. `AWS/Athena` `DPUAllocated`), which
   * PutMetricData refuses: tests and the simulation feed ListMetrics and GetMetricData with it.
   */
  publishServiceDatum(datum: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: readonly Dimension[];
    readonly timestamp: Date;
    readonly value: number;
  }): void {
    this.stored.push({ ...datum, dimensions: [...datum.dimensions] });
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
  /** The metrics GetMetricData calls requested so far (CloudWatch bills per metric requested). */
  metricsRequested(): number;
  close(): Promise<void>;
}

/**
 * Starts a CloudWatch endpoint speaking what SDK v3 now sends: awsJson1_0 with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>` in awsQuery-compatible mode, so
 * errors carry the legacy query code in `x-amzn-query-error`. Serves PutMetricData (gzip
 * bodies included), GetMetricStatistics (Sum and SampleCount), PutMetricAlarm, DescribeAlarms,
 * DeleteAlarms, and ListMetrics and GetMetricData (MetricStat queries only) over every stored
 * datum.
 */
export async function startCloudWatchStandIn(
  options: CloudWatchStandInOptions = {},
): Promise<CloudWatchStandIn> {
  const clock = options.clock ?? (() => new Date());
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const metrics = new MetricStore();
  const alarms = new Map<string, MetricAlarm>();
  let metricsRequested = 0;

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
      ListMetrics: operation((input: ListMetricsInput) => listMetrics(metrics.datums(), input)),
      GetMetricData: (input) => {
        const output = getMetricData(metrics.datums(), input);
        metricsRequested += output.MetricDataResults?.length ?? 0;
        return output;
      },
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
    metricsRequested: () => metricsRequested,
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
  const after = input.NextToken === undefined ? undefined : decodeNameToken(input.NextToken);
  const page = keysetPage(
    matching,
    after === undefined ? undefined : (alarm) => (alarm.AlarmName ?? '') > after,
    pageSize,
  );
  const last = page.nextAfter?.AlarmName;
  return {
    MetricAlarms: structuredClone(page.items),
    CompositeAlarms: [],
    ...(last === undefined ? {} : { NextToken: Buffer.from(last).toString('base64url') }),
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

const metricKey = (namespace: string, metricName: string, dimensions: readonly Dimension[]) =>
  JSON.stringify([namespace, metricName, [...dimensions].map((d) => [d.Name, d.Value]).sort()]);

/** ListMetrics: the distinct metrics stored, filtered by namespace, name and dimensions. */
function listMetrics(datums: readonly StoredDatum[], input: ListMetricsInput): ListMetricsOutput {
  const metrics = new Map<string, Metric>();
  for (const datum of datums) {
    if (input.Namespace !== undefined && datum.namespace !== input.Namespace) continue;
    if (input.MetricName !== undefined && datum.metricName !== input.MetricName) continue;
    const filters = input.Dimensions ?? [];
    if (
      !filters.every((filter) =>
        datum.dimensions.some(
          (dimension) =>
            dimension.Name === filter.Name &&
            (filter.Value === undefined || dimension.Value === filter.Value),
        ),
      )
    )
      continue;
    metrics.set(metricKey(datum.namespace, datum.metricName, datum.dimensions), {
      Namespace: datum.namespace,
      MetricName: datum.metricName,
      Dimensions: [...datum.dimensions],
    });
  }
  const sorted = [...metrics.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const after = input.NextToken === undefined ? undefined : decodeNameToken(input.NextToken);
  const page = keysetPage(
    sorted,
    after === undefined ? undefined : ([key]) => key > after,
    LIST_METRICS_PAGE,
  );
  const last = page.nextAfter?.[0];
  return {
    Metrics: page.items.map(([, metric]) => metric),
    ...(last === undefined ? {} : { NextToken: Buffer.from(last).toString('base64url') }),
  };
}

const STATISTICS: Readonly<Record<string, (values: readonly number[]) => number>> = {
  Average: (values) => values.reduce((sum, value) => sum + value, 0) / values.length,
  Sum: (values) => values.reduce((sum, value) => sum + value, 0),
  Minimum: (values) => Math.min(...values),
  Maximum: (values) => Math.max(...values),
  SampleCount: (values) => values.length,
};

/**
 * GetMetricData for MetricStat queries: the datums of exactly the metric's dimensions in
 * [StartTime, EndTime), in buckets of Period seconds aligned to the epoch, one statistic each.
 * Everything fits one page here (real CloudWatch pages at 100,800 datapoints).
 */
function getMetricData(datums: readonly StoredDatum[], raw: JsonObject): GetMetricDataOutput {
  const input = raw as unknown as GetMetricDataInput;
  const start = fromWireTimestamp(raw.StartTime);
  const end = fromWireTimestamp(raw.EndTime);
  if (start === undefined || end === undefined)
    throw cloudWatchError('MissingParameter', 'The parameters StartTime and EndTime are required.');
  if (end.getTime() <= start.getTime())
    throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  const queries = listOrEmpty(input.MetricDataQueries, 'MetricDataQueries');
  if (queries.length === 0 || queries.length > MAX_METRIC_DATA_QUERIES)
    throw invalidValue(
      `The collection MetricDataQueries must have between 1 and ${MAX_METRIC_DATA_QUERIES} members.`,
    );
  const ids = new Set<string>();
  const results: MetricDataResult[] = [];
  for (const [index, rawQuery] of queries.entries()) {
    const query = asObject(
      rawQuery,
      `MetricDataQueries.member.${index + 1}`,
    ) as unknown as NonNullable<GetMetricDataInput['MetricDataQueries']>[number];
    const id = query.Id;
    if (typeof id !== 'string' || !QUERY_ID.test(id) || ids.has(id))
      throw invalidValue(
        `The value ${String(id)} for parameter MetricDataQueries.member.${index + 1}.Id is invalid.`,
      );
    ids.add(id);
    const stat = query.MetricStat;
    if (stat?.Metric === undefined)
      throw invalidValue('The stand-in serves MetricStat queries only.');
    const period = stat.Period;
    if (typeof period !== 'number' || period < 1 || (period >= 60 && period % 60 !== 0))
      throw invalidValue(
        `The parameter MetricDataQueries.member.${index + 1}.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.`,
      );
    const statistic = STATISTICS[String(stat.Stat)];
    if (statistic === undefined)
      throw invalidValue(
        `The value ${String(stat.Stat)} for parameter MetricDataQueries.member.${index + 1}.MetricStat.Stat is invalid.`,
      );
    const {
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: dimensions = [],
    } = stat.Metric;
    const buckets = new Map<number, number[]>();
    for (const datum of datums) {
      if (datum.namespace !== namespace || datum.metricName !== metricName) continue;
      if (!dimensionsMatch(datum.dimensions, dimensions)) continue;
      const at = datum.timestamp.getTime();
      if (at < start.getTime() || at >= end.getTime()) continue;
      const bucket = Math.floor(at / (period * 1000)) * period * 1000;
      const values = buckets.get(bucket) ?? [];
      if (datum.value !== undefined) values.push(datum.value);
      datum.values?.forEach((value, position) => {
        for (let count = 0; count < (datum.counts?.[position] ?? 1); count++) values.push(value);
      });
      buckets.set(bucket, values);
    }
    const ascending = input.ScanBy === 'TimestampAscending';
    const points = [...buckets.entries()]
      .filter(([, values]) => values.length > 0)
      .sort(([a], [b]) => (ascending ? a - b : b - a));
    results.push({
      Id: id,
      Label: query.Label ?? metricName,
      Timestamps: points.map(([bucket]) => new Date(bucket)),
      Values: points.map(([, values]) => statistic(values)),
      StatusCode: 'Complete',
      Messages: [],
    });
  }
  return { MetricDataResults: results, Messages: [] };
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
