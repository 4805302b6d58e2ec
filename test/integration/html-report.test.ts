import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReservationIncrement } from '../../lib/capacity/reservation-accounting.js';
import { PALETTE } from '../../lib/reports/report-charts.js';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import { DynamoDbReservationUsageStore } from '../../lib/store/dynamodb-reservation-usage-store.js';
import { TableKeys } from '../../lib/store/table-keys.js';
import { DAY_MS } from '../../lib/usage/period-keys.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { aQueryExecution } from '../support/factories.js';
import { createTestTable, type TestTable } from '../support/test-table.js';

const CHROMIUM = '/usr/bin/chromium';
const BIN = fileURLToPath(new URL('../../bin/athena-cost.js', import.meta.url));
const FROM = '2026-11-12';
const TO = '2026-11-25';
const DAYS = 14;
const WIDTH = 1280;
const HEIGHT = 1600;
const execFileAsync = promisify(execFile);

/** The people behind the other workgroups' queries. */
const PRINCIPALS = ['identity-center/ana@example.com', 'user/bob'] as const;
/** dbt models of etl-nightly's two daily queries and data-science's one (a long node id). */
const MODELS = [
  'model.lake.orders',
  'model.lake.customers',
  'model.lake.customer_lifetime_value_by_acquisition_channel_and_region_daily_snapshot',
];
/** The SQL text of a workgroup's q-th query of a day: dbt models and team tags. */
function sqlOf(workgroup: string, q: number): string {
  const model =
    workgroup === 'etl-nightly' ? MODELS[q] : workgroup === 'data-science' ? MODELS[2] : undefined;
  if (model !== undefined)
    return `/* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "lake", "target_name": "prod", "node_id": "${model}"} */\nselect 1`;
  if (workgroup === 'analytics')
    return `select 1 -- athena-cost: team=${q % 2 ? 'finance' : 'growth'}`;
  return 'SELECT count(*) FROM sales';
}

/** Workgroups of the page (sorted: the chart colours them in this order) and how busy they are. */
const WORKGROUPS = [
  { name: 'adhoc-on-demand', dpu: undefined, queriesPerDay: 2 },
  { name: 'analytics', dpu: 24, queriesPerDay: 3 },
  { name: 'data-science', dpu: 48, queriesPerDay: 1 },
  { name: 'etl-nightly', dpu: 64, queriesPerDay: 2 },
] as const;

let table: TestTable;
let dir: string;
let htmlFile: string;
/** The page of `--by tag:team`. */
let tagsFile: string;
/** The page of `--by reservation`. */
let reservationsFile: string;
/** The capacity reservation of the range. */
const RESERVATION = { name: 'bi-capacity', dpus: 32, usedDpus: 20 } as const;
/** Workgroup and day pairs with DPU usage: one bar segment each. */
let segments = 0;

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Debian's chromium is not installed at ${CHROMIUM}: install it with 'apt-get update && apt-get install -y chromium'`,
    );
  }
}

async function chromium(...args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'athena-cost-chromium-'));
  try {
    const { stdout } = await execFileAsync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { maxBuffer: 32 * 1024 * 1024, timeout: 60_000 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  requireChromium();
  table = await createTestTable('athena-cost-html');
  dir = mkdtempSync(join(tmpdir(), 'athena-cost-html-'));
  htmlFile = join(dir, 'report.html');
  tagsFile = join(dir, 'tags.html');
  reservationsFile = join(dir, 'reservations.html');
  const usages: QueryUsage[] = [];
  const start = Date.parse(`${FROM}T00:00:00Z`);
  WORKGROUPS.forEach((workgroup, w) => {
    for (let day = 0; day < DAYS; day++) {
      // A weekly rhythm per workgroup, with a quiet day now and then.
      const load = (Math.sin(day * 0.9 + w * 1.7) + 1.3) / 2.3;
      if ((day + w) % 6 === 5) continue;
      if (workgroup.dpu !== undefined) segments++;
      for (let q = 0; q < workgroup.queriesPerDay; q++) {
        const derived = deriveQueryUsage(
          aQueryExecution({
            workgroup: workgroup.name,
            dpuCount: workgroup.dpu,
            engineMs: Math.round(60_000 + load * 540_000 * (q + 1)),
            bytes: Math.round((1 + load * 40) * 1024 ** 3),
            state: (day * 7 + q + w) % 17 === 0 ? 'FAILED' : 'SUCCEEDED',
            completedAt: new Date(start + day * DAY_MS + (2 + q * 5 + w) * 3_600_000),
            query: sqlOf(workgroup.name, q),
          }),
          { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 },
        );
        if (!derived.ok) throw new Error(derived.reason);
        // Principals as the CloudTrail join sets them: etl-nightly's runner role, people elsewhere.
        const principal =
          workgroup.name === 'etl-nightly' ? 'role/dbt-runner' : PRINCIPALS[(day + q) % 2];
        usages.push({
          ...derived.usage,
          attribution: { ...derived.usage.attribution, principal },
        });
      }
    }
  });
  const store = new DynamoDbQueryRecordStore(table.documents, {
    tableName: table.name,
    queryRecordTtlDays: 400,
  });
  expect((await store.recordQueries(usages)).failed).toEqual([]);
  for (const [workgroup, limitDpuHours] of [
    ['analytics', 20],
    ['etl-nightly', 30],
  ] as const) {
    await table.documents.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...TableKeys.budget(workgroup),
          workgroup,
          period: 'day',
          limitDpuHours,
          thresholds: [{ percent: 100, action: 'notify' }],
          updatedAt: '2026-11-01T00:00:00.000Z',
        },
      }),
    );
  }
  // A capacity reservation with DPUConsumed, as the capacity function counts it: 32 DPUs every
  // hour, its queries using 20 in working hours, every day of the range.
  const reservationDays: ReservationIncrement[] = [];
  for (let day = 0; day < DAYS; day++) {
    const key = new Date(start + day * DAY_MS).toISOString().slice(0, 10);
    const used = (hour: number) => (hour >= 8 && hour < 18 ? RESERVATION.usedDpus : 0);
    const hours = Array.from({ length: 24 }, (_, hour) => hour);
    const hourKey = (hour: number) => String(hour).padStart(2, '0');
    const usedMillis = hours.reduce((sum, hour) => sum + used(hour) * 3_600_000, 0);
    reservationDays.push({
      period: 'day',
      key,
      allocatedDpuMillis: RESERVATION.dpus * DAY_MS,
      usedDpuMillis: usedMillis,
      attributedDpuMillis: 0,
      attributedByWorkgroup: {},
      costNanoUsd: RESERVATION.dpus * 24 * 300_000_000,
      minutes: 1_440,
      usedSource: 'DPUConsumed',
      minuteProfile: {
        allocatedDpuMillisByHour: Object.fromEntries(
          hours.map((hour) => [hourKey(hour), RESERVATION.dpus * 3_600_000]),
        ),
        usedDpuMillisByHour: Object.fromEntries(
          hours.map((hour) => [hourKey(hour), used(hour) * 3_600_000]),
        ),
        usedMinutesByDpus: { '0': 840, [String(RESERVATION.usedDpus)]: 600 },
        sampledAllocatedDpuMillis: RESERVATION.dpus * DAY_MS,
      },
    });
  }
  const committed = await new DynamoDbReservationUsageStore(table.documents, table.name).commit(
    {
      reservation: RESERVATION.name,
      watermark: `${TO}T23:59:00.000Z`,
      allocations: [{ from: `${FROM}T00:00:00.000Z`, dpus: RESERVATION.dpus }],
      attributedSeen: {},
      workgroups: ['etl-nightly'],
      status: 'ACTIVE',
      targetDpus: RESERVATION.dpus,
      version: 0,
    },
    reservationDays,
    new Date(`${TO}T23:59:00Z`),
  );
  expect(committed).toBe(true);
  const { TABLE_NAME: _ignored, ...env } = process.env;
  const report = (...args: string[]) =>
    execFileAsync(
      process.execPath,
      [
        BIN,
        'report',
        '--table',
        table.name,
        '--from',
        FROM,
        '--to',
        TO,
        '--format',
        'html',
        ...args,
      ],
      {
        env: {
          ...env,
          AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      },
    );
  expect((await report('--by', 'tag:team', '--out', tagsFile)).stdout).toBe(`${tagsFile}\n`);
  expect((await report('--by', 'reservation', '--out', reservationsFile)).stdout).toBe(
    `${reservationsFile}\n`,
  );
  const { stdout } = await report('--top', '8', '--out', htmlFile);
  expect(stdout).toBe(`${htmlFile}\n`);
}, 120_000);

afterAll(async () => {
  await table?.drop();
  if (dir && !process.env.KEEP_HTML_REPORT) rmSync(dir, { recursive: true, force: true });
});

describe('HTML report in headless Chromium', () => {
  it('renders the charts and tables', async () => {
    const dom = await chromium('--dump-dom', pathToFileURL(htmlFile).href);
    expect(dom).toContain('<svg id="dpu-hours-chart"');
    const stacked = dom.match(/<svg id="dpu-hours-chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(stacked.match(/<rect class="bar"/g)).toHaveLength(segments);
    expect(dom.match(/<g class="budget-line"/g)).toHaveLength(2);
    expect(dom).toContain('<svg id="cost-share-chart"');
    expect(dom.match(/<rect class="share-bar"/g)).toHaveLength(WORKGROUPS.length);
    expect(dom.match(/<table id="top-queries">[\s\S]*?<\/table>/)?.[0].match(/<tr>/g)).toHaveLength(
      8 + 1,
    );
    expect(dom.match(/<tr data-workgroup=/g)?.length).toBeGreaterThan(40);
    const models = dom.match(/<table id="attribution-dbt-model"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(dom).toContain('>Top dbt models</h2>');
    expect([...models.matchAll(/data-value="([^"]+)"/g)].map((match) => match[1]).sort()).toEqual(
      [...MODELS].sort(),
    );
    const principals = dom.match(/<table id="attribution-principal"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(dom).toContain('>Top principals</h2>');
    expect(
      [...principals.matchAll(/data-value="([^"]+)"/g)].map((match) => match[1]).sort(),
    ).toEqual(['identity-center/ana@example.com', 'role/dbt-runner', 'user/bob']);
    // No tag section unless asked for one: tag keys are not listed anywhere without a scan.
    expect(dom).not.toContain('Top tags');
  }, 90_000);

  it("renders the asked-for tag key's section on the page of --by tag:KEY", async () => {
    const dom = await chromium('--dump-dom', pathToFileURL(tagsFile).href);
    expect(dom).toContain('>Top tags: team</h2>');
    const teams = dom.match(/<table id="attribution-tag-team"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect([...teams.matchAll(/data-value="([^"]+)"/g)].map((match) => match[1]).sort()).toEqual([
      'finance',
      'growth',
    ]);
    expect(dom).toContain('>Top dbt models</h2>');
  }, 90_000);

  it('charts the reservation’s allocated vs used DPUs per hour with the figures of its table', async () => {
    // Act
    const dom = await chromium('--dump-dom', pathToFileURL(reservationsFile).href);

    // Assess: one chart, drawing as many DPU-hours as the rows hold, and the idle share.
    expect(dom).toContain('>Capacity reservations: allocated vs used</h2>');
    const chart = dom.match(/<svg id="reservation-hours-chart-1"[\s\S]*?<\/svg>/)?.[0] ?? '';
    const drawn = (name: string, within: string) =>
      [...within.matchAll(new RegExp(`${name}="([0-9.]+)"`, 'g'))].map((match) => Number(match[1]));
    const rows = dom.match(/<table id="reservation-rows">[\s\S]*?<\/table>/)?.[0] ?? '';
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    expect(drawn('data-allocated-dpu-hours', rows)).toHaveLength(DAYS);
    expect(drawn('data-allocated-dpu-hours', chart)).toEqual([
      sum(drawn('data-allocated-dpu-hours', rows)),
    ]);
    expect(drawn('data-used-dpu-hours', chart)).toEqual([sum(drawn('data-used-dpu-hours', rows))]);
    // 32 DPUs × 24 h a day, 20 × 10 h used: 768 − 200 = 568 idle a day, 73.96 %.
    expect(drawn('data-allocated-dpu-hours', chart)).toEqual([32 * 24 * DAYS]);
    expect(dom).toContain('(74.0% idle)');
    expect(dom).toContain('Right-sizing: bi-capacity: 20 DPUs would have covered the p95 minute');
    // The page of all workgroups shows the same section.
    expect(readFileSync(htmlFile, 'utf8')).toContain('<svg id="reservation-hours-chart-1"');
  }, 90_000);

  it('fits its tables in a 1,400 px window: no column cut off, no workgroup name wrapped', async () => {
    // Prepare: the page with a script that measures its layout (the report's own policy forbids
    // scripts, so this copy gets one that allows it).
    const measured = join(dir, 'measured.html');
    const probe = `<script>
const tables = [...document.querySelectorAll('.table-wrap')].map((wrap) => ({
  id: wrap.querySelector('table')?.id,
  overflow: wrap.scrollWidth - wrap.clientWidth,
}));
const wrapped = [...document.querySelectorAll('#top-queries td:nth-child(3), #usage-rows td:first-child')]
  .filter((cell) => cell.getClientRects().length > 0 && cell.querySelector('*') !== null)
  .filter((cell) => { const range = document.createRange(); range.selectNodeContents(cell); return range.getClientRects().length > 2; })
  .map((cell) => cell.textContent);
const pre = document.createElement('pre'); pre.id = 'layout';
pre.textContent = JSON.stringify({ tables, wrapped });
document.body.append(pre);
</script>`;
    writeFileSync(
      measured,
      readFileSync(htmlFile, 'utf8')
        .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
        .replace('</body>', `${probe}</body>`),
    );
    // Act
    const dom = await chromium(
      '--window-size=1400,900',
      '--dump-dom',
      pathToFileURL(measured).href,
    );
    // Assess
    const layout = JSON.parse(
      (dom.match(/<pre id="layout">([\s\S]*?)<\/pre>/)?.[1] ?? '{}').replaceAll('&quot;', '"'),
    ) as { tables: { id: string; overflow: number }[]; wrapped: string[] };
    expect(layout.tables.map((table) => table.id)).toEqual(
      expect.arrayContaining([
        'top-queries',
        'attribution-principal',
        'attribution-dbt-model',
        'reservation-rows',
      ]),
    );
    expect(layout.tables.filter((table) => table.overflow > 0)).toEqual([]);
    expect(layout.wrapped).toEqual([]);
  }, 90_000);

  it('paints a page with the charts on it', async () => {
    const png = join(dir, 'report.png');
    await chromium(
      `--screenshot=${png}`,
      `--window-size=${WIDTH},${HEIGHT}`,
      pathToFileURL(htmlFile).href,
    );
    expect(statSync(png).size).toBeGreaterThan(20_000);
    const image = decodePng(readFileSync(png));
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
    const colours = new Set<number>();
    for (let i = 0; i < image.pixels.length; i += 4) {
      colours.add(
        ((image.pixels[i] ?? 0) << 16) |
          ((image.pixels[i + 1] ?? 0) << 8) |
          (image.pixels[i + 2] ?? 0),
      );
    }
    expect(colours.size).toBeGreaterThan(50);
    // Each DPU workgroup's bar colour is painted somewhere (workgroups are coloured in name order).
    for (const index of [1, 2, 3]) {
      const colour = Number.parseInt((PALETTE[index] ?? '').slice(1), 16);
      expect(nearColour(colours, colour), `palette colour ${PALETTE[index]}`).toBe(true);
    }
  }, 90_000);
});

function nearColour(colours: ReadonlySet<number>, target: number, tolerance = 3): boolean {
  const channels = (c: number) => [(c >> 16) & 255, (c >> 8) & 255, c & 255];
  const wanted = channels(target);
  for (const colour of colours) {
    if (channels(colour).every((value, i) => Math.abs(value - (wanted[i] ?? 0)) <= tolerance)) {
      return true;
    }
  }
  return false;
}

/** Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) to RGBA pixels. */
function decodePng(data: Buffer): { width: number; height: number; pixels: Uint8Array } {
  const signature = '89504e470d0a1a0a';
  if (data.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.subarray(offset + 4, offset + 8).toString('ascii');
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const bitDepth = body[8];
      const colourType = body[9];
      if (bitDepth !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}`);
      }
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(body);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const current = new Uint8Array(stride);
  let previous = new Uint8Array(stride);
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? (current[x - channels] ?? 0) : 0;
      const up = previous[x] ?? 0;
      const upLeft = x >= channels ? (previous[x - channels] ?? 0) : 0;
      const value = line[x] ?? 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      current[x] = (value + predictor) & 255;
    }
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        pixels[(y * width + x) * 4 + c] = c < channels ? (current[x * channels + c] ?? 0) : 255;
      }
    }
    previous = Uint8Array.from(current);
  }
  return { width, height, pixels };
}
