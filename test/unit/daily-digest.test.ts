import { describe, expect, it } from 'vitest';
import {
  CHAT_NOTIFICATION_LIMITS,
  checkChatNotification,
} from '../../lib/alerts/chat-notification.js';
import { MAX_SUBJECT_LENGTH } from '../../lib/alerts/render-alert.js';
import { budgetStatusOf } from '../../lib/budgets/budget-status.js';
import {
  buildDailyDigest,
  changePercent,
  type DailyDigestInput,
  digestDay,
} from '../../lib/digest/daily-digest.js';
import { digestMarkdown, digestText, renderDigest } from '../../lib/digest/render-digest.js';
import { buildUsageReport } from '../../lib/reports/usage-report.js';
import type { ActionRecord } from '../../lib/store/enforcement-store.js';
import type { UsageCounter } from '../../lib/store/usage-report-source.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { aBudget, anActionRecord } from '../support/factories.js';

const HOUR_MS = 3_600_000;
const NANO = 1_000_000_000;
const DAY = '2026-11-25';
const END_OF_DAY = new Date('2026-11-25T23:59:59.999Z');

const dayCounter = (
  workgroup: string,
  key: string,
  totals: Partial<UsageTotals>,
): UsageCounter => ({
  workgroup,
  period: 'day',
  key,
  totals: { ...ZERO_TOTALS, ...totals },
});

const anAction = (overrides: Partial<ActionRecord>): ActionRecord =>
  anActionRecord({ detail: 'throttle max-dpu-count to 8', ...overrides });

function input(overrides: Partial<DailyDigestInput> = {}): DailyDigestInput {
  const today = ['a', 'b', 'c', 'd', 'e', 'f'].map((workgroup, index) =>
    dayCounter(workgroup, DAY, {
      queries: index + 1,
      dpuMillis: (index + 1) * HOUR_MS,
      costNanoUsd: (index + 1) * 0.3 * NANO,
    }),
  );
  const before = [
    dayCounter('a', '2026-11-24', { queries: 4, dpuMillis: 14 * HOUR_MS, costNanoUsd: 4.2 * NANO }),
    dayCounter('a', '2026-11-19', { queries: 3, dpuMillis: 7 * HOUR_MS, costNanoUsd: 2.1 * NANO }),
  ];
  return {
    day: DAY,
    dayReport: buildUsageReport({
      request: { range: { from: DAY, to: DAY }, by: 'workgroup', top: 5 },
      counters: today,
      daily: today,
      budgets: [],
      topQueries: [],
    }),
    daysBefore: buildUsageReport({
      request: { range: { from: '2026-11-18', to: '2026-11-24' }, by: 'day', top: 0 },
      counters: before,
      daily: before,
      budgets: [],
      topQueries: [],
    }),
    statuses: [
      // A week budget heading to 2x its limit, with an action today and one yesterday.
      budgetStatusOf({
        budget: aBudget({ workgroup: 'f', period: 'week', limitDpuHours: 10 }),
        totals: { ...ZERO_TOTALS, dpuMillis: 9 * HOUR_MS },
        actions: [
          anAction({}),
          anAction({
            thresholdId: '50:notify',
            action: 'notify',
            claimedAt: '2026-11-24T08:00:00.000Z',
            completedAt: '2026-11-24T08:00:00.000Z',
          }),
          anAction({
            thresholdId: '100:disable',
            action: 'disable',
            status: 'claimed',
            completedAt: undefined,
          }),
        ],
        at: END_OF_DAY,
      }),
      // Day budgets are over by tomorrow: never "at risk" in the digest.
      budgetStatusOf({
        budget: aBudget({ workgroup: 'e', period: 'day', limitDpuHours: 1 }),
        totals: { ...ZERO_TOTALS, dpuMillis: 5 * HOUR_MS },
        actions: [],
        at: END_OF_DAY,
      }),
      budgetStatusOf({
        budget: aBudget({ workgroup: 'a', period: 'month', limitDpuHours: 1_000 }),
        totals: { ...ZERO_TOTALS, dpuMillis: 21 * HOUR_MS },
        actions: [],
        at: END_OF_DAY,
      }),
    ],
    reconciledQueries: 2,
    deadLetters: 0,
    ...overrides,
  };
}

describe('buildDailyDigest', () => {
  const digest = buildDailyDigest(input());

  it('compares the day with the day before and the 7-day average', () => {
    expect(digest.total).toMatchObject({ queries: 21, dpuHours: 21 });
    expect(digest.total.costUsd).toBeCloseTo(6.3, 9);
    expect(digest.previousDay).toMatchObject({ queries: 4, dpuHours: 14, costUsd: 4.2 });
    // 14 + 7 DPU-hours over 7 days.
    expect(digest.averageDay.dpuHours).toBe(3);
    expect(digest.change).toEqual({
      costVsPreviousDay: 50,
      costVsAverage: 600,
      dpuHoursVsPreviousDay: 50,
      dpuHoursVsAverage: 600,
    });
  });

  it('lists the five workgroups that cost most', () => {
    expect(digest.topWorkgroups.map((row) => row.workgroup)).toEqual(['f', 'e', 'd', 'c', 'b']);
  });

  it('names week and month budgets whose forecast reaches the limit, and the actions of the day', () => {
    expect(digest.budgetsAtRisk).toEqual([
      expect.objectContaining({ workgroup: 'f', period: 'week', periodKey: '2026-W48' }),
    ]);
    expect(digest.budgetsAtRisk[0]?.projectedPercent).toBeGreaterThan(100);
    expect(digest.actions).toEqual([
      expect.objectContaining({
        workgroup: 'f',
        threshold: 80,
        action: 'throttle',
        status: 'applied',
      }),
    ]);
  });

  it('says n/a rather than dividing by a day without usage', () => {
    expect(changePercent(5, 0)).toBeNull();
    expect(changePercent(0, 4)).toBe(-100);
  });
});

describe('digestDay', () => {
  it('is yesterday (UTC) by default and rejects a malformed day', () => {
    expect(digestDay(undefined, new Date('2026-11-26T07:00:00Z'))).toBe(DAY);
    expect(digestDay('2026-11-20', new Date('2026-11-26T07:00:00Z'))).toBe('2026-11-20');
    expect(() => digestDay('2026-13-01', new Date())).toThrow(/YYYY-MM-DD/);
  });
});

describe('rendering the digest', () => {
  const digest = buildDailyDigest(input());

  it('renders text, markdown and a valid chat card with the same figures', () => {
    const rendered = renderDigest(digest);

    expect(checkChatNotification(rendered.chat).ok).toBe(true);
    expect(rendered.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(rendered.subject).toMatch(/^[\x20-\x7e]+$/);
    const figures = [
      '$6.30, 21.000 DPU-hours, 21 queries',
      'cost +50.0%',
      'f week 2026-W48',
      'f (week): 80% throttle applied',
      'reconciled queries (events that never arrived): 2',
      'dead-letter queue: 0 messages',
    ];
    for (const text of [
      digestText(digest),
      digestMarkdown(digest),
      rendered.chat.content.description,
    ]) {
      for (const figure of figures) expect(text).toContain(figure);
    }
    expect(digestMarkdown(digest)).toContain('## Top workgroups by cost');
  });

  it('lists an action without a threshold (a bypass) without a made-up percent, its detail cut', () => {
    const [first] = digest.actions;
    if (first === undefined) throw new Error('the input has an action');
    const text = digestText({
      ...digest,
      actions: [{ ...first, threshold: null, action: 'notify', detail: 'x'.repeat(500) }],
    });

    expect(text).toContain(`10:00 f (week): notify applied (${'x'.repeat(119)}…)`);
  });

  it('says unknown for a figure it could not read', () => {
    const text = digestText(
      buildDailyDigest(input({ reconciledQueries: null, deadLetters: null })),
    );

    expect(text).toContain('reconciled queries (events that never arrived): unknown');
    expect(text).toContain('dead-letter queue: unknown');
  });

  it('keeps the card within its limits on a busy day', () => {
    const busy = {
      ...digest,
      actions: Array.from({ length: 500 }, () => digest.actions[0]).filter((a) => a !== undefined),
    };
    const card = renderDigest(busy).chat;

    expect(checkChatNotification(card).ok).toBe(true);
    expect(card.content.description.length).toBe(CHAT_NOTIFICATION_LIMITS.descriptionChars);
  });
});
