import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import type { Period } from '../usage/period-keys.js';
import { queryAll } from './dynamodb-toolkit.js';
import {
  ATTRIBUTED_WORKGROUP_PREFIX,
  periodKeyAttribute,
  RESERVATION_PROFILE_PREFIXES,
  TableKeys,
} from './table-keys.js';

/**
 * Every capacity reservation's counters of a period: the one reading `report --by reservation`,
 * `status` and the reservation budgets share. Queries of the table only (no index), so the
 * capacity function's role needs no index access to run the budgets.
 */
export class DynamoDbReservationCounterReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly concurrency: number,
  ) {}

  async read(period: Period, keys: readonly string[]): Promise<readonly ReservationCounter[]> {
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first === undefined || last === undefined) return [];
    const states = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': TableKeys.capacity('').pk },
      ProjectionExpression: 'sk',
    });
    const reservations = states.map((item) => String(item.sk));
    const pages = await mapWithConcurrency(reservations, this.concurrency, (reservation) =>
      queryAll(this.documents, {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
        ExpressionAttributeValues: {
          ':pk': TableKeys.reservationUsage(reservation, period, first).pk,
          ':first': periodKeyAttribute(period, first),
          ':last': periodKeyAttribute(period, last),
        },
      }),
    );
    const wanted = new Set(keys);
    return pages
      .flat()
      .map((item) => reservationCounterOf(item, period))
      .filter(
        (counter): counter is ReservationCounter =>
          counter !== undefined && wanted.has(counter.key),
      );
  }
}

/** A reservation counter item of `period`, or undefined for anything else. */
function reservationCounterOf(
  item: Record<string, unknown>,
  period: Period,
): ReservationCounter | undefined {
  const { sk, reservation } = item;
  if (typeof sk !== 'string' || !sk.startsWith(`${period}#`)) return undefined;
  if (typeof reservation !== 'string' || reservation === '') return undefined;
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : 0;
  const attributedByWorkgroup: Record<string, number> = {};
  const profile = {
    allocatedDpuMillisByHour: {} as Record<string, number>,
    usedDpuMillisByHour: {} as Record<string, number>,
    usedMinutesByDpus: {} as Record<string, number>,
  };
  const profileFields = Object.entries(RESERVATION_PROFILE_PREFIXES) as [
    keyof typeof profile,
    string,
  ][];
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(ATTRIBUTED_WORKGROUP_PREFIX))
      attributedByWorkgroup[name.slice(ATTRIBUTED_WORKGROUP_PREFIX.length)] = number(value);
    for (const [field, prefix] of profileFields)
      if (name.startsWith(prefix)) profile[field][name.slice(prefix.length)] = number(value);
  }
  const hasProfile = typeof item.sampledAllocatedDpuMillis === 'number';
  return {
    ...(hasProfile
      ? {
          minuteProfile: {
            ...profile,
            sampledAllocatedDpuMillis: number(item.sampledAllocatedDpuMillis),
          },
        }
      : {}),
    reservation,
    period,
    key: sk.slice(period.length + 1),
    allocatedDpuMillis: number(item.allocatedDpuMillis),
    usedDpuMillis: number(item.usedDpuMillis),
    attributedDpuMillis: number(item.attributedDpuMillis),
    attributedByWorkgroup,
    costNanoUsd: number(item.costNanoUsd),
    minutes: number(item.minutes),
    ...(item.usedSource === 'DPUConsumed' || item.usedSource === 'attributed'
      ? { usedSource: item.usedSource }
      : {}),
  };
}
