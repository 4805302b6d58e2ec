import { reportByOf } from '../budgets/attribution-budget.js';
import type { BudgetUsageFigures } from '../budgets/budget-status.js';
import {
  formatBytes,
  formatDpuHours,
  formatInstant,
  formatMinute,
  formatPercent,
  formatUsdWithSign,
} from '../format/format-values.js';
import { periodBounds } from '../usage/period-keys.js';
import {
  type AlertKind,
  type AttributionBudgetAlert,
  alertSubjectOf,
  type BudgetActionAlert,
  type BudgetActionFailedAlert,
  type BudgetAlert,
  type ReservationBudgetAlert,
  type ReservationScaledAlert,
  type RestoreAlert,
  type ThrottleBypassAlert,
} from './budget-alert.js';
import { CHAT_NOTIFICATION_LIMITS, type ChatNotification, clip } from './chat-notification.js';

/** SNS takes a subject of at most 100 ASCII characters, without line breaks (SNS Publish). */
export const MAX_SUBJECT_LENGTH = 100;

/** One alert as each kind of subscriber reads it. */
export interface RenderedAlert {
  /** The e-mail subject: ASCII, one line, at most {@link MAX_SUBJECT_LENGTH} characters. */
  readonly subject: string;
  /** The plain-text body for e-mail and every subscriber without a message of its own. */
  readonly text: string;
  /** The card Amazon Q Developer in chat applications shows in Slack or Microsoft Teams. */
  readonly chat: ChatNotification;
}

/** A command that undoes, pauses or looks into what an alert reports. */
export interface AlertStep {
  readonly label: string;
  readonly command: string;
}

type Severity = 'info' | 'warning' | 'critical' | 'resolved';

/** What an alert says, before it is laid out for e-mail or chat. */
interface AlertView {
  readonly severity: Severity;
  /** One ASCII line naming the workgroup and what happened. */
  readonly headline: string;
  readonly fields: readonly (readonly [label: string, value: string])[];
  readonly steps: readonly AlertStep[];
  readonly keywords: readonly string[];
  /** Context for scripts and custom actions (the card's additionalContext). */
  readonly context: Readonly<Record<string, string>>;
}

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  info: 'ℹ️',
  warning: '⚠️',
  critical: '🛑',
  resolved: '✅',
};

/**
 * Renders an alert for e-mail (subject and plain text) and for chat (a custom-notification
 * card): both name the workgroup, the period, usage against the limit, the action and the
 * commands that undo or pause it.
 */
export function renderAlert(alert: BudgetAlert): RenderedAlert {
  const view = viewOf(alert);
  const subject = asciiLine(`athena-cost: ${view.headline}`, MAX_SUBJECT_LENGTH);
  const label = (name: string) => `${name}:`.padEnd(12);
  const text = [
    `${view.headline}`,
    '',
    ...view.fields.map(([name, value]) => `${label(name)}${value}`),
    ...(view.steps.length === 0
      ? []
      : [
          '',
          'What you can do:',
          ...view.steps.map((step) => `  ${step.label}:\n    ${step.command}`),
        ]),
    '',
    `Sent by athena-cost at ${formatInstant(alert.at)}.`,
    '',
  ].join('\n');
  const limits = CHAT_NOTIFICATION_LIMITS;
  // Reservations and attribution values are threaded apart from a workgroup of the same name.
  const subjectName = alertSubjectOf(alert);
  const thread =
    subjectName.kind === 'workgroup' ? subjectName.name : `${subjectName.kind}-${subjectName.name}`;
  const chat: ChatNotification = {
    version: '1.0',
    source: 'custom',
    id: `athena-cost-${alert.kind}-${thread}-${alert.periodKey}-${Date.parse(alert.at)}`,
    content: {
      textType: 'client-markdown',
      title: clip(`${SEVERITY_EMOJI[view.severity]} ${view.headline}`, limits.titleChars),
      description: clip(
        view.fields.map(([name, value]) => `${name}: ${value}`).join('\n'),
        limits.descriptionChars,
      ),
      ...(view.steps.length === 0
        ? {}
        : {
            nextSteps: view.steps
              .slice(0, limits.nextSteps)
              .map((step) => clip(`${step.label}: \`${step.command}\``, limits.nextStepChars)),
          }),
      keywords: view.keywords
        .slice(0, limits.keywords)
        .map((keyword) => clip(keyword, limits.keywordChars)),
    },
    metadata: {
      // One thread per workgroup and budget period: its notify, throttle, disable and restore.
      threadId: `athena-cost-${thread}-${alert.period}-${alert.periodKey}`,
      summary: clip(view.headline, limits.titleChars),
      eventType: `athena-cost-${alert.kind}`,
      additionalContext: view.context,
    },
  };
  return { subject, text, chat };
}

/** The view of each kind of alert; the compiler asks for one when a kind is added. */
const VIEWS: {
  readonly [Kind in AlertKind]: (alert: Extract<BudgetAlert, { readonly kind: Kind }>) => AlertView;
} = {
  'budget-action': budgetActionView,
  'budget-action-failed': budgetActionFailedView,
  'throttle-bypass': throttleBypassView,
  restore: restoreView,
  'reservation-budget': reservationBudgetView,
  'reservation-scaled': reservationScaledView,
  'attribution-budget': attributionBudgetView,
};

function viewOf(alert: BudgetAlert): AlertView {
  // TypeScript cannot pair a union's kind with its member: VIEWS' type pairs them.
  const view = VIEWS[alert.kind] as (alert: BudgetAlert) => AlertView;
  return view(alert);
}

function budgetActionView(alert: BudgetActionAlert): AlertView {
  const { workgroup, action } = alert;
  const verbs = actionVerbs(alert);
  const done = actionsDone(alert);
  const budget = `its ${alert.period} budget`;
  const at = `at ${formatPercent(alert.usedPercent)} of ${budget}`;
  const headline =
    alert.outcome === 'dry-run'
      ? `[dry run] would ${verbs[action]} ${workgroup} ${at}`
      : alert.outcome === 'no-change'
        ? `${workgroup} ${at}: ${action} changed nothing`
        : action === 'notify'
          ? `${workgroup} ${at} (notify at ${alert.thresholdPercent}%)`
          : alert.cause === 'undone-by-hand'
            ? `${workgroup} ${done[action]} again ${at}: undone by hand while over budget`
            : alert.cause === 'throttle-bypass'
              ? `${workgroup} ${done[action]}: queries bypassed its throttle`
              : `${workgroup} ${done[action]} ${at}`;
  const acted = alert.outcome === 'applied' && action !== 'notify';
  return {
    severity: !acted ? (action === 'notify' ? 'warning' : 'info') : 'critical',
    headline,
    fields: [
      ...commonFields(alert),
      ['Usage', usageLine(alert.usage)],
      ['Threshold', `${alert.thresholdPercent}% -> ${action}${alert.dryRun ? ' (dry run)' : ''}`],
      ['Outcome', `${alert.outcome}: ${alert.detail}`],
      ...(acted
        ? ([['Given back', `automatically when the period ends (${periodEndOf(alert)})`]] as const)
        : []),
    ],
    // An undo step pauses the budget first; with nothing to undo, pausing is what is left.
    steps: acted ? undoSteps(alert) : [pauseStep(workgroup)],
    keywords: [workgroup, alert.period, action, alert.outcome],
    context: {
      ...commonContext(alert),
      action,
      outcome: alert.outcome,
      thresholdPercent: String(alert.thresholdPercent),
      usedPercent: String(alert.usedPercent),
    },
  };
}

function budgetActionFailedView(alert: BudgetActionFailedAlert): AlertView {
  return {
    severity: 'critical',
    headline: `could not ${actionVerbs(alert)[alert.action]} ${alert.workgroup} at ${formatPercent(alert.usedPercent)} of its ${alert.period} budget`,
    fields: [
      ...commonFields(alert),
      ['Usage', usageLine(alert.usage)],
      ['Threshold', `${alert.thresholdPercent}% -> ${alert.action}`],
      ['Error', alert.error],
      ['Next', 'the batch is redelivered and the action tried again'],
    ],
    steps: [
      { label: 'Budget status', command: `athena-cost status --workgroup ${alert.workgroup}` },
      { label: 'Batches that kept failing', command: 'athena-cost dlq peek' },
      pauseStep(alert.workgroup),
    ],
    keywords: [alert.workgroup, alert.period, alert.action, 'failed'],
    context: { ...commonContext(alert), action: alert.action, outcome: 'failed' },
  };
}

function throttleBypassView(alert: ThrottleBypassAlert): AlertView {
  const { workgroup } = alert;
  return {
    severity: 'warning',
    headline: `queries bypass the throttle of ${workgroup} (max-dpu-count ${alert.ceiling})`,
    fields: [
      ...commonFields(alert),
      ['Usage', usageLine(alert.usage)],
      [
        'Queries',
        alert.queries
          .map((query) => `${query.queryExecutionId} (${query.dpuCount} DPU)`)
          .join(', '),
      ],
      ['Why', alert.detail],
    ],
    steps: [
      {
        label: 'Count them this period',
        command: `athena-cost status --workgroup ${workgroup}`,
      },
      {
        label:
          'Hold every client to the throttle (also imposes the workgroup result location and encryption)',
        command: `athena-cost budget set --workgroup ${workgroup} ... --enforce-workgroup-config`,
      },
    ],
    keywords: [workgroup, alert.period, 'throttle', 'bypass'],
    context: {
      ...commonContext(alert),
      ceiling: String(alert.ceiling),
      bypassedQueries: String(alert.bypassedQueries),
    },
  };
}

function restoreView(alert: RestoreAlert): AlertView {
  const period = `${alert.period} ${alert.periodKey}`;
  const conflicted = alert.conflicts.length > 0;
  const headline = conflicted
    ? `restore of ${alert.workgroup} after ${period} left ${alert.conflicts.length} setting(s) as an operator changed them`
    : alert.restored
      ? `restored ${alert.workgroup} after its ${period} budget period`
      : `nothing to restore on ${alert.workgroup} after ${period}`;
  return {
    severity: conflicted ? 'warning' : 'resolved',
    headline,
    fields: [
      ...commonFields(alert),
      ['Outcome', alert.detail],
      ...(conflicted ? ([['Left alone', alert.conflicts.join('; ')]] as const) : []),
    ],
    steps: [
      {
        label: 'Review the workgroup',
        command: `aws athena get-work-group --work-group ${alert.workgroup}`,
      },
    ],
    keywords: [alert.workgroup, alert.period, 'restore', conflicted ? 'conflict' : 'restored'],
    context: {
      ...commonContext(alert),
      outcome: conflicted ? 'conflicted' : alert.restored ? 'restored' : 'nothing-to-restore',
    },
  };
}

/** What an action does, as the headline of a dry run or a failure names it. */
const actionVerbs = (alert: Pick<BudgetActionAlert, 'stops'>) =>
  ({
    notify: 'notify about',
    throttle: 'throttle',
    disable: 'disable',
    'disable-now':
      alert.stops === 'sessions'
        ? 'disable and terminate the sessions of'
        : 'disable and stop the queries of',
  }) as const;

/** What an action did, as the headline of an applied one names it. */
const actionsDone = (alert: Pick<BudgetActionAlert, 'stops'>) =>
  ({
    notify: 'notified',
    throttle: 'throttled',
    disable: 'disabled',
    'disable-now':
      alert.stops === 'sessions' ? 'disabled, sessions terminated,' : 'disabled, queries stopped,',
  }) as const;

function reservationBudgetView(alert: ReservationBudgetAlert): AlertView {
  const { reservation } = alert;
  const at = `at ${formatPercent(alert.usedPercent)} of its ${alert.period} budget`;
  const failed = alert.outcome === 'failed';
  return {
    severity: failed ? 'critical' : 'warning',
    headline: failed
      ? `could not ${alert.action === 'scale-down' ? 'scale down' : 'notify about'} reservation ${reservation} ${at}`
      : `reservation ${reservation} ${at} (notify at ${alert.thresholdPercent}%)`,
    fields: [
      ...commonFields(alert),
      ['Billed', usageLine(alert.usage)],
      ['Threshold', `${alert.thresholdPercent}% -> ${alert.action}`],
      [failed ? 'Error' : 'Outcome', alert.detail],
      ...(failed ? ([['Next', 'the next capacity run (5 minutes) tries again']] as const) : []),
    ],
    steps: [reservationStatusStep(reservation)],
    keywords: [reservation, alert.period, alert.action, alert.outcome],
    context: {
      ...commonContext(alert),
      action: alert.action,
      outcome: alert.outcome,
      thresholdPercent: String(alert.thresholdPercent),
      usedPercent: String(alert.usedPercent),
    },
  };
}

function reservationScaledView(alert: ReservationScaledAlert): AlertView {
  const { reservation } = alert;
  const change = `${alert.fromDpus ?? '?'} -> ${alert.toDpus ?? '?'} DPUs`;
  const usedAt =
    alert.usedPercent === undefined
      ? ''
      : ` at ${formatPercent(alert.usedPercent)} of its ${alert.period} budget`;
  const down = alert.direction === 'down';
  const headline = down
    ? {
        applied: `reservation ${reservation} scaled down ${change}${usedAt}`,
        'dry-run': `[dry run] would scale reservation ${reservation} down ${change}${usedAt}`,
        skipped: `scale-down of reservation ${reservation} skipped${usedAt}`,
        'no-change': `reservation ${reservation}${usedAt}: scale-down changed nothing`,
        conflict: `scale-down of reservation ${reservation} skipped${usedAt}`,
      }[alert.outcome]
    : {
        applied: `restored reservation ${reservation} to ${alert.toDpus ?? '?'} DPUs after ${alert.period} ${alert.periodKey}`,
        'dry-run': `[dry run] would restore reservation ${reservation}`,
        skipped: `restore of reservation ${reservation} waits`,
        'no-change': `nothing to restore on reservation ${reservation} after ${alert.period} ${alert.periodKey}`,
        conflict: `restore of reservation ${reservation} left its target as someone changed it`,
      }[alert.outcome];
  const acted = down && alert.outcome === 'applied';
  return {
    severity:
      alert.outcome === 'conflict' || alert.outcome === 'skipped'
        ? 'warning'
        : acted
          ? 'critical'
          : down
            ? 'info'
            : 'resolved',
    headline,
    fields: [
      ...commonFields(alert),
      ...(alert.usage === undefined ? [] : ([['Billed', usageLine(alert.usage)]] as const)),
      ...(alert.thresholdPercent === undefined
        ? []
        : ([['Threshold', `${alert.thresholdPercent}% -> scale-down`]] as const)),
      ['Outcome', `${alert.outcome}: ${alert.detail}`],
      ...(acted
        ? ([
            [
              'Note',
              'Athena allocates the new target within up to 30 minutes and does not guarantee it',
            ],
            ['Given back', `automatically when the period ends (${periodEndOf(alert)})`],
          ] as const)
        : []),
    ],
    steps: [
      ...(acted && alert.fromDpus !== undefined
        ? [
            {
              label:
                'Give the capacity back now (the budget acts once per period: it will not scale down again)',
              command: `aws athena update-capacity-reservation --name ${reservation} --target-dpus ${alert.fromDpus}`,
            },
          ]
        : []),
      reservationStatusStep(reservation),
    ],
    keywords: [reservation, alert.period, `scale-${alert.direction}`, alert.outcome],
    context: {
      ...commonContext(alert),
      direction: alert.direction,
      outcome: alert.outcome,
      ...(alert.fromDpus === undefined ? {} : { fromDpus: String(alert.fromDpus) }),
      ...(alert.toDpus === undefined ? {} : { toDpus: String(alert.toDpus) }),
    },
  };
}

/** What an attribution key's values are called in a sentence: `tag team`, `principal`. */
const ATTRIBUTION_NOUNS: Readonly<Record<string, string>> = {
  principal: 'principal',
  'dbt.model': 'dbt model',
};
const attributionNoun = (key: string): string =>
  ATTRIBUTION_NOUNS[key] ?? `tag ${key.slice('tag:'.length)}`;

function attributionBudgetView(alert: AttributionBudgetAlert): AlertView {
  const subject = `${attributionNoun(alert.key)} ${alert.value}`;
  return {
    severity: 'warning',
    headline: `${subject} at ${formatPercent(alert.usedPercent)} of its ${alert.period} budget (notify at ${alert.thresholdPercent}%)`,
    fields: [
      ...commonFields(alert),
      ['Usage', `${usageLine(alert.usage)}, over every workgroup`],
      ['Threshold', `${alert.thresholdPercent}% -> notify`],
      [
        'Note',
        'notify only: Athena has no per-principal or per-tag lever; a workgroup budget can throttle or disable',
      ],
    ],
    steps: [
      {
        label: `Where the ${attributionNoun(alert.key)} spent it`,
        command: `athena-cost report --by ${reportByOf(alert.key)} --period ${alert.period} --top 10`,
      },
      { label: 'Every budget this period', command: 'athena-cost status' },
    ],
    keywords: [alert.key, alert.value, alert.period, 'notify'],
    context: {
      ...commonContext(alert),
      thresholdPercent: String(alert.thresholdPercent),
      usedPercent: String(alert.usedPercent),
    },
  };
}

const reservationStatusStep = (reservation: string): AlertStep => ({
  label: 'The reservation and its budget',
  command: `athena-cost reservations && athena-cost status --reservation ${reservation}`,
});

const SUBJECT_LABELS = {
  workgroup: 'Workgroup',
  reservation: 'Reservation',
  attribution: 'Attribution',
} as const;

function commonFields(alert: BudgetAlert): [string, string][] {
  const subject = alertSubjectOf(alert);
  return [
    [SUBJECT_LABELS[subject.kind], subject.name],
    ['Period', `${alert.period} ${alert.periodKey} (UTC)`],
  ];
}

function commonContext(alert: BudgetAlert): Record<string, string> {
  const subject = alertSubjectOf(alert);
  return {
    kind: alert.kind,
    [subject.kind]: subject.name,
    period: alert.period,
    periodKey: alert.periodKey,
    at: alert.at,
  };
}

const LIMIT_NAMES = { dpuHours: 'DPU-hour', usd: 'USD', bytes: 'bytes' } as const;

/** `12.345 of 20.000 DPU-hours; $3.70 of $5.00 (74.0% of the USD limit)`. */
export function usageLine(usage: BudgetUsageFigures): string {
  const parts: string[] = [];
  if (usage.limitDpuHours !== null) {
    parts.push(
      `${formatDpuHours(usage.usedDpuHours)} of ${formatDpuHours(usage.limitDpuHours)} DPU-hours`,
    );
  }
  if (usage.limitUsd !== null && usage.usedUsd !== null) {
    parts.push(`${formatUsdWithSign(usage.usedUsd)} of ${formatUsdWithSign(usage.limitUsd)}`);
  }
  if (usage.limitBytes !== null && usage.usedBytes !== null) {
    parts.push(`${formatBytes(usage.usedBytes)} of ${formatBytes(usage.limitBytes)} scanned`);
  }
  return `${parts.join('; ')} (${formatPercent(usage.usedPercent)} of the ${LIMIT_NAMES[usage.bindingLimit]} limit)`;
}

function periodEndOf(alert: BudgetAlert): string {
  return `${formatMinute(periodBounds(alert.period, alert.periodKey).end.toISOString())} UTC`;
}

/** The commands that take an applied action back now, before restore does at the period end. */
function undoSteps(alert: BudgetActionAlert): AlertStep[] {
  const workgroup = alert.workgroup;
  const update = `aws athena update-work-group --work-group ${workgroup}`;
  // The enforcer applies again an action undone by hand while the budget is over its threshold.
  const pause = `athena-cost budget pause --workgroup ${workgroup}`;
  switch (alert.action) {
    case 'notify':
      return [];
    case 'throttle':
      if (alert.throttleMaxConcurrentDpus !== undefined) {
        return [
          {
            label:
              'Pause the budget and raise the MaxConcurrentDpus of new sessions now, to the value it had (raised alone while over budget, it is throttled again)',
            command: `${pause} && ${update} --configuration-updates 'EngineConfiguration={MaxConcurrentDpus=<value before>}'`,
          },
        ];
      }
      return alert.throttleMaxDpu !== undefined
        ? [
            {
              label:
                'Pause the budget and lift the DPU ceiling now (lifted alone while over budget, it is throttled again; replaces the engine classifications)',
              command: `${pause} && ${update} --configuration-updates 'EngineConfiguration={Classifications=[{Name=athena-query-engine-properties,Properties={max-dpu-count=124}}]}'`,
            },
          ]
        : [
            {
              label:
                'Pause the budget and lift the per-query scan cutoff now (lifted alone while over budget, it is throttled again)',
              command: `${pause} && ${update} --configuration-updates RemoveBytesScannedCutoffPerQuery=true`,
            },
          ];
    case 'disable':
    case 'disable-now':
      return [
        {
          label:
            'Pause the budget and re-enable the workgroup now (re-enabled alone while over budget, it is disabled again)',
          command: `${pause} && ${update} --state ENABLED`,
        },
      ];
  }
}

/** The command that keeps the budget from acting again, until `budget resume`. */
export function pauseStep(workgroup: string): AlertStep {
  return {
    label: 'Pause the budget (it records and notifies, acts no more until budget resume)',
    command: `athena-cost budget pause --workgroup ${workgroup}`,
  };
}

/** One line of printable ASCII (SNS rejects other subjects), cut with `...` to `max`. */
export function asciiLine(value: string, max: number): string {
  const ascii = value.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3)}...`;
}
