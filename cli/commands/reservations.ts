import { z } from 'zod';
import { formatInstant, formatPercent, formatUsd } from '../../lib/format/format-values.js';
import { reservationStatusRows } from '../../lib/reports/reservation-status.js';
import { DynamoDbReservationUsageStore } from '../../lib/store/dynamodb-reservation-usage-store.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { periodKeysFor } from '../../lib/usage/period-keys.js';
import { defineCommand } from '../command.js';
import { renderTable } from '../output/table.js';

export default defineCommand({
  name: 'reservations',
  summary: 'Each capacity reservation: target, allocated, status, utilization and idle cost',
  usage: 'athena-cost reservations [--format table|json]',
  description: `
The capacity reservations the capacity function counts, as it last saw them (every 5 minutes):
status, target and allocated DPUs, the workgroups they serve, utilization (used over allocated
DPU-hours) today and this month (UTC), this month's cost (allocated DPU-hours, what AWS bills)
and the share of it that sat idle.`,
  options: {},
  formats: ['table', 'json'],
  examples: ['athena-cost reservations', 'athena-cost reservations --format json'],
  flags: z.object({}),
  async run(context) {
    const documents = context.documents();
    const keys = periodKeysFor(context.now());
    const source = new DynamoDbUsageReportSource(documents, context.tableName, {
      onWarning: context.warn,
    });
    const [states, today, month] = await Promise.all([
      new DynamoDbReservationUsageStore(documents, context.tableName).loadStates(),
      source.readReservationCounters('day', [keys.day]),
      source.readReservationCounters('month', [keys.month]),
    ]);
    const rows = reservationStatusRows([...states.values()], today, month);
    if (context.format === 'json') {
      context.stdout.write(`${JSON.stringify({ reservations: rows }, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      context.stdout.write(
        'No capacity reservations counted yet (the capacity function lists them every 5 minutes).\n',
      );
      return 0;
    }
    context.stdout.write(
      renderTable(
        [
          { header: 'RESERVATION' },
          { header: 'STATUS' },
          { header: 'TARGET', align: 'right' },
          { header: 'ALLOCATED', align: 'right' },
          { header: 'TODAY', format: formatPercent, align: 'right' },
          { header: 'MONTH', format: formatPercent, align: 'right' },
          { header: 'MONTH USD', format: formatUsd, align: 'right' },
          { header: 'IDLE USD', format: formatUsd, align: 'right' },
          { header: 'WORKGROUPS' },
          { header: 'COUNTED UNTIL (UTC)' },
        ],
        rows.map((row) => [
          row.reservation,
          row.status,
          String(row.targetDpus),
          String(row.allocatedDpus),
          row.utilizationTodayPercent,
          row.utilizationMonthPercent,
          row.costMonthUsd,
          row.idleCostMonthUsd,
          row.workgroups.join(', '),
          formatInstant(row.countedUntil),
        ]),
      ),
    );
    return 0;
  },
});
