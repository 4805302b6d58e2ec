import { formatInstant, formatPercent, formatUsd } from '../../lib/format/format-values.js';
import { daysIn } from '../../lib/reports/report-range.js';
import { reservationStatusRows } from '../../lib/reports/reservation-status.js';
import { DynamoDbReservationUsageStore } from '../../lib/store/dynamodb-reservation-usage-store.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { periodKeysFor } from '../../lib/usage/period-keys.js';
import { defineCommand } from '../command.js';
import { rightSizingSection } from '../output/report-output.js';
import { renderTable } from '../output/table.js';

export default defineCommand({
  name: 'reservations',
  summary: 'Each capacity reservation: target, allocated, status, utilization and idle cost',
  description: `
The capacity reservations the capacity function counts, as it last saw them (every 5 minutes):
status, target and allocated DPUs, the workgroups they serve, utilization (used over allocated
DPU-hours) today and this month (UTC), this month's cost (allocated DPU-hours, what AWS bills)
and the share of it that sat idle, and a right-sizing hint: the DPUs (in steps of 4, at least
4) that would have covered the 95th percentile of this month's minute-level use (DPUConsumed),
what the same minutes would have cost at that size, and the difference (HINT SAVING USD).`,
  options: {},
  formats: ['table', 'json'],
  examples: ['athena-cost reservations', 'athena-cost reservations --format json'],
  async run(context) {
    const documents = context.documents();
    const keys = periodKeysFor(context.now());
    const source = new DynamoDbUsageReportSource(documents, context.tableName, {
      onWarning: context.warn,
    });
    const monthDays = daysIn({ from: `${keys.month}-01`, to: keys.day });
    const [states, days, month] = await Promise.all([
      new DynamoDbReservationUsageStore(documents, context.tableName).loadStates(),
      source.readReservationCounters('day', monthDays),
      source.readReservationCounters('month', [keys.month]),
    ]);
    const today = days.filter((counter) => counter.key === keys.day);
    const rows = reservationStatusRows([...states.values()], today, month, days);
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
          { header: 'HINT DPUS', align: 'right' },
          { header: 'HINT SAVING USD', format: formatUsd, align: 'right' },
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
          row.rightSizing.hintDpus === null ? '–' : String(row.rightSizing.hintDpus),
          row.rightSizing.savingUsd,
          row.workgroups.join(', '),
          formatInstant(row.countedUntil),
        ]),
      ) + rightSizingSection(rows.map((row) => row.rightSizing)),
    );
    return 0;
  },
});
