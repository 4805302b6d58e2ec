import {
  formatDpuHours,
  formatDurationMs,
  formatMinute,
  formatUsd,
} from '../../lib/format/format-values.js';
import { sessionRows } from '../../lib/reports/session-list.js';
import { DynamoDbSessionStore } from '../../lib/store/dynamodb-session-store.js';
import { periodKeysFor } from '../../lib/usage/period-keys.js';
import { defineCommand } from '../command.js';
import { workgroupFilterOption } from '../options.js';
import { renderTable } from '../output/table.js';

export default defineCommand({
  name: 'sessions',
  summary: 'Spark sessions: DPU-hours, cost, state and idle time',
  description: `
The Athena for Apache Spark sessions the sparkSessions function counts (every 5 minutes): those
not yet ended, and those whose figures changed today (UTC). For each: workgroup, state, start and
end, DPU-hours and cost so far (DpuExecutionInMillis at the Spark DPU-hour price), how long it has
been idle, and its engine DPU settings (coordinator, executor, max concurrent). Figures are those
of the last sweep, up to 5 minutes old.`,
  options: {
    workgroup: workgroupFilterOption('every Spark workgroup'),
    active: { type: 'boolean', description: 'Only sessions not yet ended' },
  },
  formats: ['table', 'json'],
  examples: [
    'athena-cost sessions',
    'athena-cost sessions --workgroup notebooks --active',
    'athena-cost sessions --format json',
  ],
  async run(context) {
    const { workgroup, active } = context.flags;
    const now = context.now();
    const records = await new DynamoDbSessionStore(context.documents(), context.tableName).list({
      ...(workgroup === undefined ? {} : { workgroup }),
      activeOnly: active,
      day: periodKeysFor(now).day,
    });
    const rows = sessionRows(records, now);
    if (context.format === 'json') {
      context.stdout.write(
        `${JSON.stringify({ at: now.toISOString(), sessions: rows }, null, 2)}\n`,
      );
      return 0;
    }
    if (rows.length === 0) {
      context.stdout.write(
        `No ${active ? 'active ' : ''}Spark sessions${workgroup === undefined ? '' : ` in ${workgroup}`} (the sparkSessions function reads them every 5 minutes).\n`,
      );
      return 0;
    }
    context.stdout.write(
      renderTable(
        [
          { header: 'SESSION' },
          { header: 'WORKGROUP' },
          { header: 'STATE' },
          { header: 'STARTED (UTC)' },
          { header: 'ENDED (UTC)' },
          { header: 'DPU-HOURS', format: formatDpuHours, align: 'right' },
          { header: 'USD', format: formatUsd, align: 'right' },
          { header: 'IDLE', format: formatDurationMs, align: 'right' },
          { header: 'DPUS C/E/MAX', align: 'right' },
        ],
        rows.map((row) => [
          row.sessionId,
          row.workgroup,
          row.state,
          row.startedAt === null ? null : formatMinute(row.startedAt),
          row.endedAt === null ? null : formatMinute(row.endedAt),
          row.dpuHours,
          row.costUsd,
          row.idleMs,
          [row.coordinatorDpuSize, row.defaultExecutorDpuSize, row.maxConcurrentDpus]
            .map((dpus) => (dpus === null ? '-' : String(dpus)))
            .join('/'),
        ]),
      ),
    );
    return 0;
  },
});
