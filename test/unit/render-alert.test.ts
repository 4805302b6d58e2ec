import { describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../../lib/alerts/budget-alert.js';
import {
  CHAT_NOTIFICATION_LIMITS,
  checkChatNotification,
} from '../../lib/alerts/chat-notification.js';
import { MAX_SUBJECT_LENGTH, renderAlert } from '../../lib/alerts/render-alert.js';
import { snsAlertMessageOf } from '../../lib/alerts/sns-alert-message.js';
import type { BudgetUsageFigures } from '../../lib/budgets/budget-status.js';

const usage: BudgetUsageFigures = {
  limitDpuHours: 20,
  usedDpuHours: 16.25,
  limitUsd: 5,
  usedUsd: 4.875,
  limitBytes: null,
  usedBytes: null,
  usedPercent: 97.5,
  bindingLimit: 'usd',
  bindingLimitValue: 5,
};

const base = {
  workgroup: 'analytics',
  period: 'day',
  periodKey: '2026-11-25',
  at: '2026-11-25T14:03:00.000Z',
} as const;

const action = {
  ...base,
  kind: 'budget-action',
  thresholdPercent: 80,
  usedPercent: 97.5,
  usage,
  dryRun: false,
  outcome: 'applied',
} as const;

/** Every kind of alert, and each way an action can turn out. */
const ALERTS: Readonly<Record<string, BudgetAlert>> = {
  notify: { ...action, action: 'notify', thresholdPercent: 50, detail: 'notified' },
  'throttle (DPU)': {
    ...action,
    action: 'throttle',
    throttleMaxDpu: 8,
    detail: 'throttle max-dpu-count to 8',
  },
  'throttle (scan cutoff)': {
    ...action,
    action: 'throttle',
    throttleBytesScannedCutoff: 10 * 1024 ** 3,
    detail: 'throttle BytesScannedCutoffPerQuery to 10737418240',
  },
  'throttle (Spark sessions)': {
    ...action,
    action: 'throttle',
    throttleMaxConcurrentDpus: 4,
    detail: 'throttle MaxConcurrentDpus of new sessions to 4',
  },
  disable: { ...action, action: 'disable', detail: 'disable the workgroup' },
  'disable-now (Spark)': {
    ...action,
    action: 'disable-now',
    stops: 'sessions',
    detail:
      'disable the workgroup and terminate its active Spark sessions; terminated 2 active sessions (s-1, s-2)',
  },
  'disable-now': {
    ...action,
    action: 'disable-now',
    detail:
      'disable the workgroup and stop its running queries; stopped 3 running or queued queries',
  },
  'dry run': {
    ...action,
    action: 'disable',
    dryRun: true,
    outcome: 'dry-run',
    detail: 'would disable the workgroup',
  },
  'no change': {
    ...action,
    action: 'disable',
    outcome: 'no-change',
    detail: 'the workgroup is already DISABLED',
  },
  'disabled again after a manual re-enable': {
    ...action,
    action: 'disable',
    cause: 'undone-by-hand',
    detail: 're-enabled by hand while over budget; disabled again',
  },
  'disabled on a throttle bypass': {
    ...action,
    action: 'disable',
    cause: 'throttle-bypass',
    detail: 'a query ran above the throttled max-dpu-count 8 (onBypass: disable)',
  },
  'action failed': {
    ...base,
    kind: 'budget-action-failed',
    action: 'throttle',
    thresholdPercent: 80,
    usedPercent: 97.5,
    usage,
    error: 'ThrottlingException: Rate exceeded',
  },
  'throttle bypassed': {
    ...base,
    kind: 'throttle-bypass',
    ceiling: 8,
    queries: [
      { queryExecutionId: 'q-1', dpuCount: 24 },
      { queryExecutionId: 'q-2', dpuCount: 32 },
    ],
    bypassedQueries: 2,
    usage,
    detail: 'the workgroup does not enforce its configuration: clients set their own max-dpu-count',
  },
  'restore done': {
    ...base,
    kind: 'restore',
    restored: true,
    conflicts: [],
    detail: 'restored the settings from before the period',
  },
  'restore conflicted': {
    ...base,
    kind: 'restore',
    restored: false,
    conflicts: ['max-dpu-count: product set 8, now 32; left as is'],
    detail: 'operators have changed every field the enforcer set; nothing to restore',
  },
};

describe.each(Object.entries(ALERTS))('renderAlert: %s', (_name, alert) => {
  const rendered = renderAlert(alert);

  it('renders a valid custom-notification card within the limits', () => {
    const check = checkChatNotification(rendered.chat);

    expect(check).toEqual({ ok: true, notification: rendered.chat });
    expect(rendered.chat.content.description).toContain('Workgroup: analytics');
    expect(rendered.chat.content.description).toContain('Period: day 2026-11-25');
  });

  it('gives e-mail an ASCII subject and a plain-text body naming the same facts', () => {
    expect(rendered.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(rendered.subject).toMatch(/^athena-cost: [\x20-\x7e]+$/);
    expect(rendered.subject).toContain('analytics');
    expect(rendered.text).toContain('Workgroup:  analytics');
    expect(rendered.text).toContain('Period:     day 2026-11-25 (UTC)');
    for (const step of rendered.chat.content.nextSteps ?? []) {
      const command = /`(.+)`$/.exec(step)?.[1] ?? '';
      expect(command).not.toBe('');
      expect(rendered.text).toContain(command);
    }
  });

  it('publishes text to e-mail, the card to HTTPS and the alert to queues in one SNS message', () => {
    const message = snsAlertMessageOf(alert, rendered);
    const byProtocol = JSON.parse(message.Message);

    expect(message.MessageStructure).toBe('json');
    expect(message.Subject).toBe(rendered.subject);
    expect(byProtocol.default).toBe(rendered.text);
    expect(byProtocol.email).toBe(rendered.text);
    expect(JSON.parse(byProtocol.https)).toEqual(rendered.chat);
    expect(JSON.parse(byProtocol.sqs)).toEqual(alert);
    expect(Buffer.byteLength(message.Message)).toBeLessThanOrEqual(
      CHAT_NOTIFICATION_LIMITS.documentBytes,
    );
  });
});

describe('renderAlert', () => {
  it('states usage against every limit the budget sets', () => {
    const { text } = renderAlert(ALERTS.disable as BudgetAlert);

    expect(text).toContain(
      'Usage:      16.250 of 20.000 DPU-hours; $4.88 of $5.00 (97.5% of the USD limit)',
    );
    expect(text).toContain('Threshold:  80% -> disable');
  });

  it('names the command that undoes each applied action and the one that stops enforcing', () => {
    const steps = (name: string) =>
      renderAlert(ALERTS[name] as BudgetAlert).chat.content.nextSteps ?? [];

    expect(steps('disable')[0]).toContain(
      '`athena-cost budget pause --workgroup analytics && aws athena update-work-group --work-group analytics --state ENABLED`',
    );
    expect(steps('throttle (DPU)')[0]).toContain('max-dpu-count=124');
    expect(steps('throttle (scan cutoff)')[0]).toContain('RemoveBytesScannedCutoffPerQuery=true');
    expect(steps('throttle (Spark sessions)')[0]).toContain(
      "--configuration-updates 'EngineConfiguration={MaxConcurrentDpus=<value before>}'",
    );
    expect(steps('notify')).toEqual([
      'Pause the budget (it records and notifies, acts no more until budget resume): `athena-cost budget pause --workgroup analytics`',
    ]);
    // Nothing changed: nothing to undo.
    expect(steps('dry run')).toHaveLength(1);
    expect(steps('no change')).toHaveLength(1);
  });

  it('says when an action was applied again, or set off by a bypass', () => {
    const title = (name: string) => renderAlert(ALERTS[name] as BudgetAlert).chat.content.title;

    expect(title('disabled again after a manual re-enable')).toBe(
      '🛑 analytics disabled again at 97.5% of its day budget: undone by hand while over budget',
    );
    expect(title('disable-now (Spark)')).toBe(
      '🛑 analytics disabled, sessions terminated, at 97.5% of its day budget',
    );
    expect(title('disable-now')).toBe(
      '🛑 analytics disabled, queries stopped, at 97.5% of its day budget',
    );
    expect(title('disabled on a throttle bypass')).toBe(
      '🛑 analytics disabled: queries bypassed its throttle',
    );
  });

  it('keeps a card valid when an error or detail is longer than chat shows', () => {
    const long = renderAlert({
      ...(ALERTS['action failed'] as BudgetAlert & { kind: 'budget-action-failed' }),
      error: 'x'.repeat(20_000),
    });

    expect(checkChatNotification(long.chat).ok).toBe(true);
    expect(long.chat.content.description.length).toBe(CHAT_NOTIFICATION_LIMITS.descriptionChars);
    expect(long.chat.content.description.endsWith('…')).toBe(true);
  });

  it('threads the alerts of one workgroup and period together', () => {
    const threads = new Set(
      Object.values(ALERTS).map((alert) => renderAlert(alert).chat.metadata?.threadId),
    );

    expect([...threads]).toEqual(['athena-cost-analytics-day-2026-11-25']);
  });
});

describe('checkChatNotification', () => {
  const valid = renderAlert(ALERTS.notify as BudgetAlert).chat;

  it.each([
    ['a version other than 1.0', { ...valid, version: '2.0' }, 'version'],
    ['a source other than custom', { ...valid, source: 'aws.athena' }, 'source'],
    [
      'a title longer than a Slack header',
      { ...valid, content: { ...valid.content, title: 't'.repeat(151) } },
      'content.title',
    ],
    [
      'more next steps than allowed',
      { ...valid, content: { ...valid.content, nextSteps: ['a', 'b', 'c', 'd', 'e', 'f'] } },
      'content.nextSteps',
    ],
    ['an unknown field', { ...valid, content: { ...valid.content, colour: 'red' } }, 'content'],
    [
      'an event type custom actions cannot match',
      { ...valid, metadata: { eventType: 'budget action!' } },
      'metadata.eventType',
    ],
  ])('rejects %s', (_name, document, path) => {
    const check = checkChatNotification(document);

    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(`${path}:`);
  });
});
