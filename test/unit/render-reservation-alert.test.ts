import { describe, expect, it } from 'vitest';
import type { ReservationScaledAlert } from '../../lib/alerts/budget-alert.js';
import { MAX_SUBJECT_LENGTH, renderAlert } from '../../lib/alerts/render-alert.js';

const usage = {
  limitDpuHours: 10,
  usedDpuHours: 10,
  limitUsd: null,
  usedUsd: null,
  limitBytes: null,
  usedBytes: null,
  usedPercent: 100,
  bindingLimit: 'dpuHours' as const,
  bindingLimitValue: 10,
};

const scaled: ReservationScaledAlert = {
  kind: 'reservation-scaled',
  reservation: 'etl-capacity',
  period: 'day',
  periodKey: '2026-11-30',
  direction: 'down',
  outcome: 'applied',
  fromDpus: 24,
  toDpus: 8,
  thresholdPercent: 100,
  usedPercent: 100,
  usage,
  detail: 'requested TargetDpus 8 (was 24)',
  at: '2026-11-30T10:28:00.000Z',
};

describe('reservation alerts', () => {
  it('name the reservation, the change and the command that gives the capacity back', () => {
    const rendered = renderAlert(scaled);
    expect(rendered.subject).toBe(
      'athena-cost: reservation etl-capacity scaled down 24 -> 8 DPUs at 100.0% of its day budget',
    );
    expect(rendered.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(rendered.text).toContain('Reservation:');
    expect(rendered.text).toContain(
      'aws athena update-capacity-reservation --name etl-capacity --target-dpus 24',
    );
    expect(rendered.chat.metadata?.threadId).toBe(
      'athena-cost-reservation-etl-capacity-day-2026-11-30',
    );
    expect(rendered.chat.metadata?.additionalContext).toMatchObject({
      reservation: 'etl-capacity',
      direction: 'down',
      outcome: 'applied',
    });
  });

  it('say why a scale-down was skipped, and that a restore left a changed target alone', () => {
    const skipped = renderAlert({
      ...scaled,
      outcome: 'skipped',
      toDpus: undefined,
      detail: 'skipped: TargetDpus is 32, not the 24 the product last saw',
    });
    expect(skipped.subject).toBe(
      'athena-cost: scale-down of reservation etl-capacity skipped at 100.0% of its day budget',
    );
    expect(skipped.text).toContain('not the 24 the product last saw');
    expect(skipped.text).not.toContain('update-capacity-reservation');
    const conflict = renderAlert({
      ...scaled,
      direction: 'restore',
      outcome: 'conflict',
      thresholdPercent: undefined,
      usedPercent: undefined,
      usage: undefined,
      detail: 'TargetDpus is 16, not the 8 the budget set',
    });
    expect(conflict.subject).toBe(
      'athena-cost: restore of reservation etl-capacity left its target as someone changed it',
    );
    expect(conflict.chat.content.title.startsWith('⚠️')).toBe(true);
  });
});
