import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AllocationChange,
  ReservationIncrement,
  ReservationState,
  ReservationStatus,
} from '../capacity/reservation-accounting.js';
import { queryPartition, transactionUnlessFirstConditionFails } from './dynamodb-toolkit.js';
import type { ReservationUsageStore } from './reservation-usage-store.js';
import {
  ATTRIBUTED_WORKGROUP_PREFIX,
  RESERVATION_PROFILE_PREFIXES,
  TableKeys,
} from './table-keys.js';

type ProfileField = keyof typeof RESERVATION_PROFILE_PREFIXES;

/**
 * States as items `pk=CAPACITY, sk=<reservation>`; counters as `pk=USAGE#reservation#<name>,
 * sk=<period>#<key>`. A run's increments and its state go in one TransactWriteItems whose state
 * Put holds only if the version read is still there: an interval is counted exactly once, by
 * whichever of two overlapping runs commits first.
 */
export class DynamoDbReservationUsageStore implements ReservationUsageStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async loadStates(): Promise<ReadonlyMap<string, ReservationState>> {
    const items = await queryPartition(this.documents, this.tableName, TableKeys.capacity('').pk);
    const states = new Map<string, ReservationState>();
    for (const item of items) {
      const reservation = String(item.sk);
      if (typeof item.watermark !== 'string') continue;
      states.set(reservation, {
        reservation,
        watermark: item.watermark,
        allocations: Array.isArray(item.allocations)
          ? (item.allocations as AllocationChange[]).filter(
              (change) => typeof change.from === 'string' && typeof change.dpus === 'number',
            )
          : [],
        attributedSeen: (item.attributedSeen ?? {}) as ReservationState['attributedSeen'],
        workgroups: Array.isArray(item.workgroups) ? item.workgroups.map(String) : [],
        status: String(item.status) as ReservationStatus | 'GONE',
        targetDpus: typeof item.targetDpus === 'number' ? item.targetDpus : 0,
        version: typeof item.version === 'number' ? item.version : 0,
      });
    }
    return states;
  }

  async commit(
    state: ReservationState,
    increments: readonly ReservationIncrement[],
    now: Date,
  ): Promise<boolean> {
    const updatedAt = now.toISOString();
    const statePut = {
      Put: {
        TableName: this.tableName,
        Item: {
          ...TableKeys.capacity(state.reservation),
          type: 'capacity',
          watermark: state.watermark,
          allocations: state.allocations,
          attributedSeen: state.attributedSeen,
          workgroups: state.workgroups,
          status: state.status,
          targetDpus: state.targetDpus,
          version: state.version + 1,
          updatedAt,
        },
        ConditionExpression:
          state.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
        ...(state.version === 0
          ? {}
          : { ExpressionAttributeValues: { ':version': state.version } }),
      },
    };
    const updates = increments.map((increment) => {
      const workgroups = Object.entries(increment.attributedByWorkgroup);
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {
        ':allocated': increment.allocatedDpuMillis,
        ':used': increment.usedDpuMillis,
        ':attributed': increment.attributedDpuMillis,
        ':cost': increment.costNanoUsd,
        ':minutes': increment.minutes,
        ':type': 'reservationUsage',
        ':reservation': state.reservation,
        ':period': increment.period,
        ':usedSource': increment.usedSource,
        ':now': updatedAt,
      };
      const adds = workgroups.map(([workgroup, dpuMillis], index) => {
        names[`#w${index}`] = `${ATTRIBUTED_WORKGROUP_PREFIX}${workgroup}`;
        values[`:w${index}`] = dpuMillis;
        return `#w${index} :w${index}`;
      });
      const profile = increment.minuteProfile;
      if (profile !== undefined) {
        for (const field of Object.keys(RESERVATION_PROFILE_PREFIXES) as ProfileField[])
          for (const [bucket, value] of Object.entries(profile[field])) {
            const index = adds.length;
            names[`#p${index}`] = `${RESERVATION_PROFILE_PREFIXES[field]}${bucket}`;
            values[`:p${index}`] = value;
            adds.push(`#p${index} :p${index}`);
          }
        values[':sampled'] = profile.sampledAllocatedDpuMillis;
        adds.push('sampledAllocatedDpuMillis :sampled');
      }
      return {
        Update: {
          TableName: this.tableName,
          Key: TableKeys.reservationUsage(state.reservation, increment.period, increment.key),
          UpdateExpression:
            'ADD allocatedDpuMillis :allocated, usedDpuMillis :used, attributedDpuMillis :attributed, ' +
            `costNanoUsd :cost, minutes :minutes${adds.map((add) => `, ${add}`).join('')} ` +
            'SET #type = :type, reservation = :reservation, period = :period, usedSource = :usedSource, updatedAt = :now',
          ExpressionAttributeNames: { '#type': 'type', ...names },
          ExpressionAttributeValues: values,
        },
      };
    });
    return transactionUnlessFirstConditionFails(
      this.documents.send(new TransactWriteCommand({ TransactItems: [statePut, ...updates] })),
    );
  }
}
