import { formatDpuHours, formatPercent, formatUsdWithSign } from '../format/format-values.js';
import { attributes, coordinate, escapeHtml } from './html.js';

/** Colour-blind-friendly categorical colours (Tableau 10), assigned to workgroups in order. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** A colour per workgroup, stable for a given list of workgroups. */
export function colorsFor(workgroups: readonly string[]): ReadonlyMap<string, string> {
  return new Map(
    workgroups.map((workgroup, index) => [workgroup, PALETTE[index % PALETTE.length] ?? '#888']),
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-25` as `Nov 25`. */
export function shortDay(day: string): string {
  const [, month = '1', date = '1'] = day.split('-');
  return `${MONTHS[Number(month) - 1] ?? month} ${Number(date)}`;
}

/** An axis from 0 to a round number at or above `max`, with round steps. */
export function niceScale(max: number, targetTicks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const rough = max / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 2.5, 5, 10]
      .map((factor) => factor * magnitude)
      .find((candidate) => candidate >= rough) ?? 10 * magnitude;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const tickLabel = (value: number, step: number): string => {
  const decimals = Math.max(
    0,
    Math.min(6, -Math.floor(Math.log10(step) + 1e-9) + (step % 1 === 0 ? 0 : 1)),
  );
  return value.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: decimals,
  });
};

export interface DpuHoursChartInput {
  readonly days: readonly string[];
  /** Bottom to top of each stack. */
  readonly workgroups: readonly string[];
  readonly dpuHours: (workgroup: string, day: string) => number;
  /**
   * Day budgets to draw as horizontal lines. A limit is only meaningful against its own
   * workgroup's bars: give them for a chart of that one workgroup.
   */
  readonly dayBudgets: readonly DayBudgetLine[];
  readonly colors: ReadonlyMap<string, string>;
  /** The svg element's id and title (default: the chart of every workgroup). */
  readonly id?: string | undefined;
  readonly title?: string | undefined;
  /** Height in viewBox units (default 340; small multiples use less). */
  readonly height?: number | undefined;
}

/** A day budget's DPU-hour limit, drawn as a dashed line. */
export interface DayBudgetLine {
  readonly workgroup: string;
  readonly limitDpuHours: number;
}

const WIDTH = 960;
const DEFAULT_HEIGHT = 340;
const MARGIN = { top: 24, right: 104, bottom: 44, left: 64 } as const;

/**
 * The start of a chart: an `svg` element of the full width that screen readers announce by its
 * title and description (`aria-labelledby`), with `data` attributes for tests and scripts.
 */
function chartStart(chart: {
  readonly id: string;
  readonly className: string;
  readonly height: number;
  readonly title: string;
  readonly description: string;
  readonly data?: Readonly<Record<string, string>>;
}): string {
  const { id } = chart;
  const open = `<svg${attributes({
    id,
    class: chart.className,
    viewBox: `0 0 ${WIDTH} ${chart.height}`,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    ...chart.data,
    xmlns: 'http://www.w3.org/2000/svg',
  })}>`;
  return `${open}<title id="${id}-title">${escapeHtml(chart.title)}</title><desc id="${id}-desc">${escapeHtml(chart.description)}</desc>`;
}

/**
 * A stacked bar chart of DPU-hours per day by workgroup (`rect.bar` per workgroup and day with
 * usage, with `data-workgroup`, `data-day`, `data-dpu-hours`) and a dashed `g.budget-line` per
 * day budget.
 */
export function dpuHoursChart(input: DpuHoursChartInput): string {
  const { days, workgroups, colors } = input;
  const height = input.height ?? DEFAULT_HEIGHT;
  const id = input.id ?? 'dpu-hours-chart';
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const stackTotals = days.map((day) =>
    workgroups.reduce((sum, workgroup) => sum + input.dpuHours(workgroup, day), 0),
  );
  const maxStack = Math.max(0, ...stackTotals);
  const maxLimit = Math.max(0, ...input.dayBudgets.map((budget) => budget.limitDpuHours));
  const total = stackTotals.reduce((sum, value) => sum + value, 0);
  const title = input.title ?? 'DPU-hours per day by workgroup';
  const budgetText =
    input.dayBudgets.length === 0
      ? 'No day budgets.'
      : `Day budget limits: ${input.dayBudgets
          .map((budget) => `${budget.workgroup} ${formatDpuHours(budget.limitDpuHours)}`)
          .join(', ')} DPU-hours.`;
  const description = `${formatDpuHours(total)} DPU-hours over ${days.length} days from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}. ${budgetText}`;
  const start = chartStart({ id, className: 'chart', height, title, description });
  if (maxStack === 0 && maxLimit === 0) {
    return `${start}<text class="empty" x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">No DPU usage in this range (on-demand queries have no DPU-hours)</text></svg>`;
  }
  const { top, step } = niceScale(Math.max(maxStack, maxLimit) * 1.04);
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const parts: string[] = [start];

  parts.push(grid({ top, step }, y, plotHeight, 'DPU-hours'));

  const band = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, Math.min(56, band * 0.72));
  parts.push('<g class="bars">');
  days.forEach((day, index) => {
    const x = MARGIN.left + index * band + (band - barWidth) / 2;
    let base = 0;
    for (const workgroup of workgroups) {
      const value = input.dpuHours(workgroup, day);
      if (!(value > 0)) continue;
      const yTop = y(base + value);
      const height = y(base) - yTop;
      base += value;
      parts.push(
        `<rect${attributes({
          class: 'bar',
          'data-workgroup': workgroup,
          'data-day': day,
          'data-dpu-hours': value,
          x: coordinate(x),
          y: coordinate(yTop),
          width: coordinate(barWidth),
          height: coordinate(Math.max(height, 0.5)),
          fill: colors.get(workgroup),
        })}><title>${escapeHtml(`${workgroup}, ${day}: ${formatDpuHours(value)} DPU-hours`)}</title></rect>`,
      );
    }
  });
  parts.push('</g>');

  const labelEvery = Math.max(1, Math.ceil(days.length / Math.floor(plotWidth / 56)));
  parts.push('<g class="x-axis">');
  days.forEach((day, index) => {
    if (index % labelEvery !== 0) return;
    const x = MARGIN.left + index * band + band / 2;
    parts.push(
      `<text class="tick" x="${coordinate(x)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle">${escapeHtml(shortDay(day))}</text>`,
    );
  });
  parts.push('</g>');

  parts.push(...budgetLines(input, y));
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal grid lines with their values, from 0 to `scale.top`, and the axis title. */
function grid(
  scale: { readonly top: number; readonly step: number },
  y: (value: number) => number,
  plotHeight: number,
  axisTitle: string,
): string {
  const parts = ['<g class="grid">'];
  for (let tick = 0; tick <= scale.top + scale.step / 2; tick += scale.step) {
    const ty = coordinate(y(tick));
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}"${tick === 0 ? ' class="baseline"' : ''}/>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${ty}" dy="0.32em" text-anchor="end">${escapeHtml(tickLabel(tick, scale.step))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-title" transform="translate(16 ${coordinate(MARGIN.top + plotHeight / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(axisTitle)}</text>`,
    '</g>',
  );
  return parts.join('');
}

/** One hour of a reservation: average DPUs allocated and used; undefined where not counted. */
export interface ReservationHour {
  readonly allocatedDpus: number | undefined;
  readonly usedDpus: number | undefined;
}

export interface ReservationHoursChartInput {
  readonly reservation: string;
  /** The range's days, in order; `hours` holds 24 entries per day, UTC hour 0 first. */
  readonly days: readonly string[];
  readonly hours: readonly ReservationHour[];
  readonly color: string;
  readonly id: string;
}

const RESERVATION_CHART_HEIGHT = 260;

/**
 * A reservation's hours: its allocated DPUs as a shaded step area (`path.allocated-area`, with a
 * `path.allocated-line` on top) and the DPUs its queries used as a coloured area in front
 * (`path.used-area`); the shade left above the used area is the idle capacity. An hour's value is
 * its DPU-hours (its average DPUs). The paths carry the DPU-hours they draw
 * (`data-allocated-dpu-hours`, `data-used-dpu-hours`), so a test can check them against the table.
 */
export function reservationHoursChart(input: ReservationHoursChartInput): string {
  const { days, hours, id } = input;
  const height = RESERVATION_CHART_HEIGHT;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const sumOf = (pick: (hour: ReservationHour) => number | undefined) =>
    hours.reduce((sum, hour) => sum + (pick(hour) ?? 0), 0);
  const allocated = sumOf((hour) => hour.allocatedDpus);
  const used = sumOf((hour) => hour.usedDpus);
  const hasUsed = hours.some((hour) => hour.usedDpus !== undefined);
  const title = `${input.reservation}: allocated and used DPUs per hour`;
  const description = `${formatDpuHours(allocated)} DPU-hours allocated${hasUsed ? `, ${formatDpuHours(used)} used (DPUConsumed)` : ''} over ${days.length} days from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}.`;
  const start = chartStart({
    id,
    className: 'chart reservation-chart',
    height,
    title,
    description,
    data: { 'data-reservation': input.reservation },
  });
  const max = Math.max(
    0,
    ...hours.map((hour) => Math.max(hour.allocatedDpus ?? 0, hour.usedDpus ?? 0)),
  );
  if (max === 0)
    return `${start}<text class="empty" x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">No hourly figures in this range</text></svg>`;
  const scale = niceScale(max * 1.04);
  const y = (value: number) => MARGIN.top + plotHeight - (value / scale.top) * plotHeight;
  const band = plotWidth / Math.max(1, hours.length);
  const x = (index: number) => MARGIN.left + index * band;
  const parts = [start, grid(scale, y, plotHeight, 'DPUs')];
  const allocatedArea = stepArea(hours, (hour) => hour.allocatedDpus, x, y);
  parts.push(
    `<path${attributes({ class: 'allocated-area', d: allocatedArea.area, 'data-allocated-dpu-hours': allocated })}/>`,
    `<path${attributes({ class: 'allocated-line', d: allocatedArea.line })}/>`,
  );
  if (hasUsed)
    parts.push(
      `<path${attributes({
        class: 'used-area',
        d: stepArea(hours, (hour) => hour.usedDpus, x, y).area,
        fill: input.color,
        'data-used-dpu-hours': used,
      })}/>`,
    );
  const labelEvery = Math.max(1, Math.ceil(days.length / Math.floor(plotWidth / 56)));
  parts.push('<g class="x-axis">');
  days.forEach((day, index) => {
    if (index % labelEvery !== 0) return;
    const dayX = x(index * 24);
    parts.push(
      `<line class="day-tick" x1="${coordinate(dayX)}" x2="${coordinate(dayX)}" y1="${MARGIN.top}" y2="${height - MARGIN.bottom}"/>`,
      `<text class="tick" x="${coordinate(dayX + 12 * band)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle">${escapeHtml(days.length === 1 ? `${shortDay(day)}, 00–24 UTC` : shortDay(day))}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

/**
 * A step outline over consecutive hours with a value, as an SVG path: `line` along the tops,
 * `area` closed down to 0; hours without a value break both.
 */
function stepArea(
  hours: readonly ReservationHour[],
  pick: (hour: ReservationHour) => number | undefined,
  x: (index: number) => number,
  y: (value: number) => number,
): { area: string; line: string } {
  const area: string[] = [];
  const line: string[] = [];
  let runStart: number | undefined;
  const base = coordinate(y(0));
  hours.forEach((hour, index) => {
    const value = pick(hour);
    if (value === undefined) {
      if (runStart !== undefined) area.push(`H${coordinate(x(index))}V${base}Z`);
      runStart = undefined;
      return;
    }
    const top = coordinate(y(value));
    if (runStart === undefined) {
      runStart = index;
      area.push(`M${coordinate(x(index))} ${base}V${top}`);
      line.push(`M${coordinate(x(index))} ${top}`);
    } else {
      area.push(`H${coordinate(x(index))}V${top}`);
      line.push(`H${coordinate(x(index))}V${top}`);
    }
  });
  if (runStart !== undefined) {
    area.push(`H${coordinate(x(hours.length))}V${base}Z`);
    line.push(`H${coordinate(x(hours.length))}`);
  }
  return { area: area.join(''), line: line.join('') };
}

/** Dashed limit lines, labelled in the right margin and nudged apart when limits are close. */
function budgetLines(input: DpuHoursChartInput, y: (value: number) => number): string[] {
  const lines = [...input.dayBudgets]
    .map((budget) => ({ ...budget, y: y(budget.limitDpuHours) }))
    .sort((a, b) => b.y - a.y);
  let previousLabelY = Number.POSITIVE_INFINITY;
  const parts: string[] = [];
  const plotRight = WIDTH - MARGIN.right;
  for (const line of lines) {
    const labelY = Math.min(line.y, previousLabelY - 14);
    previousLabelY = labelY;
    const color = input.colors.get(line.workgroup) ?? '#555';
    const limit = formatLimit(line.limitDpuHours);
    parts.push(
      `<g${attributes({
        class: 'budget-line',
        'data-workgroup': line.workgroup,
        'data-limit-dpu-hours': line.limitDpuHours,
      })}><title>${escapeHtml(`${line.workgroup} day budget: ${limit} DPU-hours`)}</title>`,
      `<line x1="${MARGIN.left}" x2="${plotRight}" y1="${coordinate(line.y)}" y2="${coordinate(line.y)}"${attributes({ stroke: color })}/>`,
      `<text class="budget-label" x="${plotRight + 6}" y="${coordinate(labelY)}" dy="0.32em"${attributes({ fill: color })}>${escapeHtml(`${limit} DPU-h`)}</text>`,
      '</g>',
    );
  }
  return parts;
}

/** A limit as written in a budget: up to three decimals, no trailing zeros. */
export const formatLimit = (value: number): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: 3 });

export interface CostShareChartInput {
  readonly costs: readonly { readonly workgroup: string; readonly costUsd: number }[];
  readonly colors: ReadonlyMap<string, string>;
}

const SHARE_ROW = 34;
const SHARE_LABEL_WIDTH = 200;
const SHARE_VALUE_WIDTH = 170;
const MAX_LABEL_CHARS = 26;

/** Horizontal bars of each workgroup's share of the cost (`rect.share-bar`), largest first. */
export function costShareChart(input: CostShareChartInput): string {
  const costs = [...input.costs]
    .filter((cost) => cost.costUsd > 0)
    .sort((a, b) => b.costUsd - a.costUsd || (a.workgroup < b.workgroup ? -1 : 1));
  const total = costs.reduce((sum, cost) => sum + cost.costUsd, 0);
  const height = Math.max(1, costs.length) * SHARE_ROW + 16;
  const title = 'Share of cost by workgroup';
  const description =
    costs.length === 0
      ? 'No cost in this range.'
      : costs
          .map(
            (cost) =>
              `${cost.workgroup}: ${formatUsdWithSign(cost.costUsd)} (${formatPercent((cost.costUsd / total) * 100)})`,
          )
          .join('; ');
  const parts = [
    chartStart({ id: 'cost-share-chart', className: 'chart', height, title, description }),
  ];
  if (costs.length === 0) {
    parts.push(
      `<text class="empty" x="${WIDTH / 2}" y="${height / 2}" dy="0.32em" text-anchor="middle">No cost in this range</text></svg>`,
    );
    return parts.join('');
  }
  const barArea = WIDTH - SHARE_LABEL_WIDTH - SHARE_VALUE_WIDTH;
  costs.forEach((cost, index) => {
    const share = cost.costUsd / total;
    const top = 8 + index * SHARE_ROW;
    const middle = top + SHARE_ROW / 2;
    const label =
      cost.workgroup.length > MAX_LABEL_CHARS
        ? `${cost.workgroup.slice(0, MAX_LABEL_CHARS - 1)}…`
        : cost.workgroup;
    const text = `${cost.workgroup}: ${formatUsdWithSign(cost.costUsd)}, ${formatPercent(share * 100)} of the cost`;
    parts.push(
      `<g class="share-row"><title>${escapeHtml(text)}</title>`,
      `<text class="share-label" x="${SHARE_LABEL_WIDTH - 12}" y="${middle}" dy="0.32em" text-anchor="end">${escapeHtml(label)}</text>`,
      `<rect class="share-track" x="${SHARE_LABEL_WIDTH}" y="${top + 7}" width="${barArea}" height="${SHARE_ROW - 14}" rx="4"/>`,
      `<rect${attributes({
        class: 'share-bar',
        'data-workgroup': cost.workgroup,
        'data-share-percent': Math.round(share * 10_000) / 100,
        x: SHARE_LABEL_WIDTH,
        y: top + 7,
        width: coordinate(Math.max(2, share * barArea)),
        height: SHARE_ROW - 14,
        rx: 4,
        fill: input.colors.get(cost.workgroup),
      })}/>`,
      `<text class="share-value" x="${SHARE_LABEL_WIDTH + barArea + 12}" y="${middle}" dy="0.32em">${escapeHtml(`${formatPercent(share * 100)}  ·  ${formatUsdWithSign(cost.costUsd)}`)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
