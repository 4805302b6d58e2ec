import {
  CHAT_NOTIFICATION_LIMITS,
  type ChatNotification,
  clip,
} from '../alerts/chat-notification.js';
import { asciiLine, MAX_SUBJECT_LENGTH, type RenderedAlert } from '../alerts/render-alert.js';
import {
  formatBytes,
  formatCount,
  formatDpuHours,
  formatMinute,
  formatPercent,
  formatUsdWithSign,
} from '../format/format-values.js';
import type { ReportTotalFields } from '../reports/usage-report.js';
import type { DailyDigest } from './daily-digest.js';

/** An action's detail is cut to this in the digest: `status` shows it whole. */
const MAX_DETAIL_CHARS = 120;

/** Digest output formats of `athena-cost digest`. */
export const DIGEST_FORMATS = ['text', 'json', 'markdown'] as const;
export type DigestFormat = (typeof DIGEST_FORMATS)[number];

/** `+12.5%`, `-3.0%`, or `n/a` when there is nothing to compare with. */
const signedPercent = (value: number | null): string =>
  value === null ? 'n/a' : `${value > 0 ? '+' : ''}${formatPercent(value)}`;

const totalsLine = (totals: ReportTotalFields): string =>
  `${formatUsdWithSign(totals.costUsd)}, ${formatDpuHours(totals.dpuHours)} DPU-hours, ${formatCount(totals.queries)} queries`;

/** The headline: the day, its cost and DPU-hours and how they compare with the day before. */
function headline(digest: DailyDigest): string {
  const change = digest.change.costVsPreviousDay;
  return `daily digest ${digest.day}: ${formatUsdWithSign(digest.total.costUsd)}, ${formatDpuHours(digest.total.dpuHours)} DPU-hours${change === null ? '' : `, cost ${signedPercent(change)} vs the day before`}`;
}

/** The sections of a digest as label and lines, shared by the text, markdown and chat layouts. */
function sections(digest: DailyDigest): { readonly title: string; readonly lines: string[] }[] {
  const { change } = digest;
  const none = (lines: string[]) => (lines.length === 0 ? ['none'] : lines);
  return [
    {
      title: `Usage on ${digest.day} (UTC)`,
      lines: [
        `total: ${totalsLine(digest.total)}`,
        `day before: ${totalsLine(digest.previousDay)}; cost ${signedPercent(change.costVsPreviousDay)}, DPU-hours ${signedPercent(change.dpuHoursVsPreviousDay)}`,
        `7-day average: ${totalsLine(digest.averageDay)}; cost ${signedPercent(change.costVsAverage)}, DPU-hours ${signedPercent(change.dpuHoursVsAverage)}`,
      ],
    },
    {
      title: 'Top workgroups by cost',
      lines: none(
        digest.topWorkgroups.map(
          (row) =>
            `${row.workgroup}: ${formatUsdWithSign(row.costUsd)}, ${formatDpuHours(row.dpuHours)} DPU-hours, ${formatCount(row.queries)} queries, ${formatBytes(row.dataScannedBytes)} scanned`,
        ),
      ),
    },
    {
      title: 'Top queries by cost',
      lines: none(
        digest.topQueries.map(
          (query) =>
            `${formatUsdWithSign(query.costUsd)} ${query.workgroup} ${query.queryExecutionId} (${formatDpuHours(query.dpuHours)} DPU-hours, ${formatBytes(query.dataScannedBytes)}, ${query.state.toLowerCase()} ${formatMinute(query.completedAt)})`,
        ),
      ),
    },
    {
      title: 'Budgets at risk (week and month, by forecast)',
      lines: none(
        digest.budgetsAtRisk.map(
          (risk) =>
            `${risk.workgroup} ${risk.period} ${risk.periodKey}: ${formatPercent(risk.usedPercent)} used, ${formatPercent(risk.projectedPercent)} forecast${risk.limitReachedAt === null ? '' : `, limit reached ${formatMinute(risk.limitReachedAt)} UTC`}`,
        ),
      ),
    },
    {
      title: 'Actions taken',
      lines: none(
        digest.actions.map(
          (action) =>
            `${formatMinute(action.at).slice(11)} ${action.workgroup} (${action.period}): ${action.threshold === null ? '' : `${action.threshold}% `}${action.action} ${action.status}${action.detail === null ? '' : ` (${clip(action.detail, MAX_DETAIL_CHARS)})`}`,
        ),
      ),
    },
    {
      title: 'Health',
      lines: [
        `reconciled queries (events that never arrived): ${digest.reconciledQueries === null ? 'unknown' : formatCount(digest.reconciledQueries)}`,
        `dead-letter queue: ${digest.deadLetters === null ? 'unknown' : `${formatCount(digest.deadLetters)} messages`}`,
      ],
    },
  ];
}

/** The commands behind the digest's figures. */
function digestSteps(digest: DailyDigest) {
  return [
    {
      label: 'Usage and top queries',
      command: `athena-cost report --from ${digest.day} --to ${digest.day} --by workgroup --top 5`,
    },
    { label: 'Budgets now', command: 'athena-cost status' },
    { label: 'This digest', command: `athena-cost digest --day ${digest.day}` },
  ];
}

/** The digest as plain text (e-mail, `--format text`). */
export function digestText(digest: DailyDigest): string {
  const lines = [`athena-cost ${headline(digest)}`];
  for (const section of sections(digest)) {
    lines.push('', `${section.title}:`, ...section.lines.map((line) => `  ${line}`));
  }
  lines.push('', 'More:', ...digestSteps(digest).map((step) => `  ${step.command}`), '');
  return lines.join('\n');
}

/** The digest as Markdown (`--format markdown`), for wikis and pull requests. */
export function digestMarkdown(digest: DailyDigest): string {
  const lines = [`# athena-cost ${headline(digest)}`];
  for (const section of sections(digest)) {
    lines.push('', `## ${section.title}`, '', ...section.lines.map((line) => `- ${line}`));
  }
  lines.push('', '## More', '', ...digestSteps(digest).map((step) => `- \`${step.command}\``), '');
  return lines.join('\n');
}

/** The digest as `--format json` prints it and queue subscribers get it. */
export const digestJson = (digest: DailyDigest): string => `${JSON.stringify(digest, null, 2)}\n`;

/** The digest for the alerts topic: an e-mail subject and text, and a chat card. */
export function renderDigest(digest: DailyDigest): RenderedAlert {
  const limits = CHAT_NOTIFICATION_LIMITS;
  const chat: ChatNotification = {
    version: '1.0',
    source: 'custom',
    id: `athena-cost-daily-digest-${digest.day}`,
    content: {
      textType: 'client-markdown',
      title: clip(`📊 ${headline(digest)}`, limits.titleChars),
      description: clip(
        sections(digest)
          .map((section) =>
            [`${section.title}:`, ...section.lines.map((line) => `• ${line}`)].join('\n'),
          )
          .join('\n\n'),
        limits.descriptionChars,
      ),
      nextSteps: digestSteps(digest).map((step) =>
        clip(`${step.label}: \`${step.command}\``, limits.nextStepChars),
      ),
      keywords: ['athena-cost', 'daily-digest', digest.day],
    },
    metadata: {
      threadId: 'athena-cost-daily-digest',
      summary: clip(headline(digest), limits.titleChars),
      eventType: 'athena-cost-daily-digest',
      additionalContext: { kind: 'daily-digest', day: digest.day },
    },
  };
  return {
    subject: asciiLine(`athena-cost: ${headline(digest)}`, MAX_SUBJECT_LENGTH),
    text: digestText(digest),
    chat,
  };
}
