import { describe, expect, it } from 'vitest';
import {
  appliedFieldsOf,
  type Classification,
  disableChange,
  restoreChange,
  settingsWithApplied,
  throttleChange,
  type WorkgroupChange,
  type WorkgroupSettings,
} from '../../lib/budgets/workgroup-settings.js';

const ENGINE = 'athena-query-engine-properties';
const MB = 1024 ** 2;

const settings = (overrides: Partial<WorkgroupSettings> = {}): WorkgroupSettings => ({
  state: 'ENABLED',
  classifications: undefined,
  bytesScannedCutoffPerQuery: undefined,
  ...overrides,
});

const engine = (properties: Record<string, string>): Classification => ({
  name: ENGINE,
  properties,
});

const sparkDefaults: Classification = {
  name: 'spark-defaults',
  properties: { 'spark.executor.memory': '4g' },
};

function expectUpdate<Change extends WorkgroupChange>(change: Change) {
  if (change.kind !== 'update') throw new Error(`expected an update, got: ${change.reason}`);
  return change as Extract<Change, { kind: 'update' }>;
}

describe('throttleChange on a capacity-reservation workgroup', () => {
  const budget = { throttleMaxDpu: 8 };

  it('sets max-dpu-count, keeping other classifications and properties', () => {
    // Prepare
    const current = settings({
      classifications: [
        sparkDefaults,
        engine({ 'max-dpu-count': '64', 'min-dpu-count': '4', 'custom-property': 'kept' }),
      ],
      bytesScannedCutoffPerQuery: 100 * MB,
    });

    // Act
    const change = expectUpdate(throttleChange(current, budget));

    // Assess
    const expected = [
      sparkDefaults,
      engine({ 'max-dpu-count': '8', 'min-dpu-count': '4', 'custom-property': 'kept' }),
    ];
    expect(change).toEqual({
      kind: 'update',
      classifications: expected,
      resulting: { ...current, classifications: expected },
    });
  });

  it('does not modify the settings it is given', () => {
    const properties = { 'max-dpu-count': '64' };
    const current = settings({ classifications: [engine(properties)] });

    throttleChange(current, budget);

    expect(properties).toEqual({ 'max-dpu-count': '64' });
  });

  it('lowers min-dpu-count to the new max when it is above it', () => {
    const current = settings({
      classifications: [engine({ 'max-dpu-count': '64', 'min-dpu-count': '16' })],
    });

    const change = expectUpdate(throttleChange(current, budget));

    expect(change.classifications).toEqual([
      engine({ 'max-dpu-count': '8', 'min-dpu-count': '8' }),
    ]);
  });

  it('adds the engine classification when the workgroup has none', () => {
    const change = expectUpdate(throttleChange(settings(), budget));

    expect(change.classifications).toEqual([engine({ 'max-dpu-count': '8' })]);
    expect(change.resulting.classifications).toEqual([engine({ 'max-dpu-count': '8' })]);
  });

  it('adds the engine classification next to the other ones', () => {
    const current = settings({ classifications: [sparkDefaults] });

    const change = expectUpdate(throttleChange(current, budget));

    expect(change.classifications).toEqual([sparkDefaults, engine({ 'max-dpu-count': '8' })]);
  });

  it('sets max-dpu-count when the engine classification has none', () => {
    const current = settings({ classifications: [engine({ 'min-dpu-count': '4' })] });

    const change = expectUpdate(throttleChange(current, budget));

    expect(change.classifications).toEqual([
      engine({ 'min-dpu-count': '4', 'max-dpu-count': '8' }),
    ]);
  });

  it.each(['8', '4'])('never raises a max-dpu-count already at %s', (max) => {
    const current = settings({ classifications: [engine({ 'max-dpu-count': max })] });

    const change = throttleChange(current, budget);

    expect(change).toEqual({
      kind: 'none',
      reason: `max-dpu-count is already ${max}, at or below the throttle's 8`,
    });
  });

  it('prefers the DPU cap when the budget sets both throttles', () => {
    const change = expectUpdate(
      throttleChange(settings(), { throttleMaxDpu: 8, throttleBytesScannedCutoff: 10 * MB }),
    );

    expect(change.bytesScannedCutoffPerQuery).toBeUndefined();
    expect(change.classifications).toEqual([engine({ 'max-dpu-count': '8' })]);
  });
});

describe('throttleChange on an on-demand workgroup', () => {
  const budget = { throttleBytesScannedCutoff: 10 * MB };

  it('sets the per-query scan cutoff when there is none', () => {
    const current = settings({ classifications: [sparkDefaults] });

    const change = throttleChange(current, budget);

    expect(change).toEqual({
      kind: 'update',
      bytesScannedCutoffPerQuery: 10 * MB,
      resulting: { ...current, bytesScannedCutoffPerQuery: 10 * MB },
    });
  });

  it('lowers a higher scan cutoff', () => {
    const change = expectUpdate(
      throttleChange(settings({ bytesScannedCutoffPerQuery: 1024 * MB }), budget),
    );

    expect(change.bytesScannedCutoffPerQuery).toBe(10 * MB);
  });

  it('keeps a scan cutoff that is already as low', () => {
    const change = throttleChange(settings({ bytesScannedCutoffPerQuery: 10 * MB }), budget);

    expect(change.kind).toBe('none');
  });

  it('does nothing for a budget with no throttle setting', () => {
    const change = throttleChange(settings(), {});

    expect(change).toEqual({
      kind: 'none',
      reason:
        'the budget sets none of throttleMaxDpu, throttleBytesScannedCutoff, throttleMaxConcurrentDpus',
    });
  });
});

describe('disableChange', () => {
  it('disables an enabled workgroup, keeping its other settings', () => {
    const current = settings({ classifications: [sparkDefaults], bytesScannedCutoffPerQuery: MB });

    const change = disableChange(current);

    expect(change).toEqual({
      kind: 'update',
      state: 'DISABLED',
      resulting: { ...current, state: 'DISABLED' },
    });
  });

  it('does nothing to a disabled workgroup', () => {
    expect(disableChange(settings({ state: 'DISABLED' }))).toEqual({
      kind: 'none',
      reason: 'the workgroup is already DISABLED',
    });
  });
});

describe('restoreChange', () => {
  const snapshot = settings({
    classifications: [sparkDefaults, engine({ 'max-dpu-count': '64', 'min-dpu-count': '16' })],
  });
  // What the product set: throttled to 8 (lowering min with it), then disabled.
  const applied = settings({
    state: 'DISABLED',
    classifications: [sparkDefaults, engine({ 'max-dpu-count': '8', 'min-dpu-count': '8' })],
  });

  it('gives back every field the product still owns', () => {
    // Act
    const change = restoreChange(snapshot, applied, applied);

    // Assess
    expect(change).toEqual({
      kind: 'update',
      state: 'ENABLED',
      classifications: snapshot.classifications,
      resulting: snapshot,
      conflicts: [],
    });
  });

  it('leaves a max-dpu-count an operator changed, and restores the rest', () => {
    // Prepare
    const current = settings({
      state: 'DISABLED',
      classifications: [sparkDefaults, engine({ 'max-dpu-count': '32', 'min-dpu-count': '8' })],
    });

    // Act
    const change = expectUpdate(restoreChange(snapshot, applied, current));

    // Assess
    expect(change.state).toBe('ENABLED');
    expect(change.classifications).toEqual([
      sparkDefaults,
      engine({ 'max-dpu-count': '32', 'min-dpu-count': '16' }),
    ]);
    expect(change.conflicts).toEqual(['max-dpu-count: product set 8, now 32; left as is']);
  });

  it('keeps properties an operator added since', () => {
    const current = settings({
      classifications: [
        engine({ 'max-dpu-count': '8', 'min-dpu-count': '8', 'added-later': 'yes' }),
      ],
    });

    const change = expectUpdate(restoreChange(snapshot, applied, current));

    expect(change.classifications).toEqual([
      engine({ 'max-dpu-count': '64', 'min-dpu-count': '16', 'added-later': 'yes' }),
    ]);
  });

  it('does not restore a min-dpu-count above the max an operator set', () => {
    const current = settings({
      state: 'DISABLED',
      classifications: [sparkDefaults, engine({ 'max-dpu-count': '12', 'min-dpu-count': '8' })],
    });

    const change = expectUpdate(restoreChange(snapshot, applied, current));

    expect(change.classifications).toBeUndefined();
    expect(change.state).toBe('ENABLED');
    expect(change.conflicts).toEqual([
      'max-dpu-count: product set 8, now 12; left as is',
      'min-dpu-count: restoring 16 would exceed max-dpu-count 12; left at 8',
    ]);
  });

  it('does not re-enable a workgroup an operator already re-enabled, nor report it', () => {
    const current = { ...applied, state: 'ENABLED' as const };

    const change = expectUpdate(restoreChange(snapshot, applied, current));

    expect(change.state).toBeUndefined();
    expect(change.classifications).toEqual(snapshot.classifications);
    expect(change.conflicts).toEqual([]);
  });

  it('removes the engine classification the product added', () => {
    const before = settings({ classifications: [sparkDefaults] });
    const throttled = settings({
      classifications: [sparkDefaults, engine({ 'max-dpu-count': '8' })],
    });

    const change = expectUpdate(restoreChange(before, throttled, throttled));

    expect(change.classifications).toEqual([sparkDefaults]);
    expect(change.resulting).toEqual(before);
  });

  it('removes only the property the product added when an operator added another', () => {
    const throttled = settings({ classifications: [engine({ 'max-dpu-count': '8' })] });
    const current = settings({
      classifications: [engine({ 'max-dpu-count': '8', 'min-dpu-count': '4' })],
    });

    const change = expectUpdate(restoreChange(settings(), throttled, current));

    expect(change.classifications).toEqual([engine({ 'min-dpu-count': '4' })]);
  });

  it('removes a scan cutoff the product set where there was none', () => {
    const throttled = settings({ bytesScannedCutoffPerQuery: 10 * MB });

    const change = restoreChange(settings(), throttled, throttled);

    expect(change).toEqual({
      kind: 'update',
      removeBytesScannedCutoff: true,
      resulting: settings(),
      conflicts: [],
    });
  });

  it('gives back the scan cutoff the product lowered', () => {
    const before = settings({ bytesScannedCutoffPerQuery: 1024 * MB });
    const throttled = settings({ bytesScannedCutoffPerQuery: 10 * MB });

    const change = expectUpdate(restoreChange(before, throttled, throttled));

    expect(change.bytesScannedCutoffPerQuery).toBe(1024 * MB);
    expect(change.removeBytesScannedCutoff).toBeUndefined();
  });

  it('leaves a scan cutoff an operator changed', () => {
    const throttled = settings({ bytesScannedCutoffPerQuery: 10 * MB });
    const current = settings({ bytesScannedCutoffPerQuery: 20 * MB });

    const change = restoreChange(settings(), throttled, current);

    expect(change).toEqual({
      kind: 'none',
      reason: 'operators have changed every field the enforcer set; nothing to restore',
      conflicts: ['bytesScannedCutoffPerQuery: product set 10485760, now 20971520; left as is'],
    });
  });

  it('does nothing when the product changed nothing', () => {
    expect(restoreChange(snapshot, snapshot, snapshot)).toEqual({
      kind: 'none',
      reason: 'nothing the enforcer set is left to restore',
      conflicts: [],
    });
  });

  it('touches no field the product did not change, even if an operator did', () => {
    const throttled = settings({ bytesScannedCutoffPerQuery: 10 * MB });
    const current = settings({ state: 'DISABLED', bytesScannedCutoffPerQuery: 10 * MB });

    const change = expectUpdate(restoreChange(settings(), throttled, current));

    expect(change.state).toBeUndefined();
    expect(change.resulting.state).toBe('DISABLED');
    expect(change.removeBytesScannedCutoff).toBe(true);
  });
});

describe('what the enforcer set, field by field', () => {
  const snapshot = settings({
    classifications: [engine({ 'max-dpu-count': '64', 'min-dpu-count': '4' })],
  });

  it('records only the fields a change set', () => {
    const throttled = expectUpdate(throttleChange(snapshot, { throttleMaxDpu: 8 })).resulting;
    expect(appliedFieldsOf(snapshot, throttled)).toEqual({ maxDpuCount: '8' });
    const disabled = expectUpdate(disableChange(throttled)).resulting;
    expect(appliedFieldsOf(throttled, disabled)).toEqual({ state: 'DISABLED' });
  });

  it('gives back both a throttle and a disable recorded from reads made before either landed', () => {
    // Two actions decided on the same stale read: each records only its own field.
    const throttle = expectUpdate(throttleChange(snapshot, { throttleMaxDpu: 8 }));
    const disable = expectUpdate(disableChange(snapshot));
    const applied = settingsWithApplied(snapshot, {
      ...appliedFieldsOf(snapshot, disable.resulting),
      ...appliedFieldsOf(snapshot, throttle.resulting),
    });
    const current = settings({
      state: 'DISABLED',
      classifications: [engine({ 'max-dpu-count': '8', 'min-dpu-count': '4' })],
    });

    const change = expectUpdate(restoreChange(snapshot, applied, current));

    expect(change.conflicts).toEqual([]);
    expect(change.state).toBe('ENABLED');
    expect(change.classifications).toEqual([
      engine({ 'max-dpu-count': '64', 'min-dpu-count': '4' }),
    ]);
  });
});

describe('EnforceWorkGroupConfiguration under a throttle', () => {
  /** The workgroup as the enforcer left it: throttled to 8 DPUs, its configuration enforced. */
  const throttledToEightEnforced = () =>
    settings({
      classifications: [engine({ 'max-dpu-count': '8' })],
      enforceWorkgroupConfiguration: true,
    });

  const budget = { throttleMaxDpu: 8, enforceWorkgroupConfiguration: true as const };

  it('is set in the same update as the DPU ceiling when the budget asks for it', () => {
    const current = settings({ enforceWorkgroupConfiguration: false });

    const change = expectUpdate(throttleChange(current, budget));

    expect(change.classifications).toEqual([engine({ 'max-dpu-count': '8' })]);
    expect(change.enforceWorkgroupConfiguration).toBe(true);
    expect(change.resulting.enforceWorkgroupConfiguration).toBe(true);
  });

  it('is set even when the ceiling is already low enough', () => {
    const current = settings({ classifications: [engine({ 'max-dpu-count': '4' })] });

    const change = expectUpdate(throttleChange(current, budget));

    expect(change.classifications).toBeUndefined();
    expect(change.enforceWorkgroupConfiguration).toBe(true);
  });

  it('is recorded as a field the enforcer set, apart from the ceiling', () => {
    const before = settings({ enforceWorkgroupConfiguration: false });
    const change = expectUpdate(throttleChange(before, budget));

    const applied = appliedFieldsOf(before, change.resulting);

    expect(applied).toEqual({ maxDpuCount: '8', enforceWorkgroupConfiguration: true });
    expect(settingsWithApplied(before, applied)).toEqual(change.resulting);
  });

  it('is never touched by a budget that does not ask for it', () => {
    const change = expectUpdate(throttleChange(settings(), { throttleMaxDpu: 8 }));

    expect(change.enforceWorkgroupConfiguration).toBeUndefined();
    expect(change.resulting.enforceWorkgroupConfiguration).toBeUndefined();
  });

  it('is given back by restore when the product turned it on', () => {
    const before = settings({ enforceWorkgroupConfiguration: false });
    const throttled = throttledToEightEnforced();

    const change = expectUpdate(restoreChange(before, throttled, throttled));

    expect(change.enforceWorkgroupConfiguration).toBe(false);
    expect(change.resulting).toEqual({ ...before, classifications: [] });
  });

  it('is left as it is when an operator already turned it off again', () => {
    const before = settings({ enforceWorkgroupConfiguration: false });
    const throttled = settings({ enforceWorkgroupConfiguration: true });
    const current = settings({ enforceWorkgroupConfiguration: false });

    const change = restoreChange(before, throttled, current);

    expect(change.kind).toBe('none');
    expect(change.conflicts).toEqual([]);
  });

  it('is left alone by restore when the workgroup enforced it before the period', () => {
    const before = settings({ enforceWorkgroupConfiguration: true });
    const throttled = throttledToEightEnforced();

    const change = expectUpdate(restoreChange(before, throttled, throttled));

    expect(change.enforceWorkgroupConfiguration).toBeUndefined();
  });
});

describe('a Spark workgroup under a throttle (MaxConcurrentDpus of new sessions)', () => {
  const budget = { throttleMaxConcurrentDpus: 4 };
  const spark = settings({ maxConcurrentDpus: 20 });

  it('lowers MaxConcurrentDpus alone, recorded as the one field the enforcer set', () => {
    const change = expectUpdate(throttleChange(spark, budget));

    expect(change).toEqual({
      kind: 'update',
      maxConcurrentDpus: 4,
      resulting: { ...spark, maxConcurrentDpus: 4 },
    });
    expect(appliedFieldsOf(spark, change.resulting)).toEqual({ maxConcurrentDpus: 4 });
  });

  it('sets it on a workgroup that had none', () => {
    expect(expectUpdate(throttleChange(settings(), budget)).maxConcurrentDpus).toBe(4);
  });

  it('keeps a ceiling an operator already set as low or lower', () => {
    expect(throttleChange(settings({ maxConcurrentDpus: 4 }), budget)).toEqual({
      kind: 'none',
      reason: "MaxConcurrentDpus is already 4, at or below the throttle's 4",
    });
  });

  it('is given back by restore while the workgroup has what the enforcer set', () => {
    const applied = settingsWithApplied(spark, { maxConcurrentDpus: 4 });

    const change = expectUpdate(restoreChange(spark, applied, applied));

    expect(change.maxConcurrentDpus).toBe(20);
    expect(change.conflicts).toEqual([]);
  });

  it("leaves an operator's change and says so", () => {
    const applied = settingsWithApplied(spark, { maxConcurrentDpus: 4 });

    const change = restoreChange(spark, applied, settings({ maxConcurrentDpus: 8 }));

    expect(change).toMatchObject({
      kind: 'none',
      conflicts: ['MaxConcurrentDpus: product set 4, now 8; left as is'],
    });
  });

  it('cannot unset a value the workgroup did not have, and says so', () => {
    const applied = settingsWithApplied(settings(), { maxConcurrentDpus: 4 });

    const change = restoreChange(settings(), applied, applied);

    expect(change).toMatchObject({
      kind: 'none',
      conflicts: [
        'MaxConcurrentDpus: unset before the throttle, and UpdateWorkGroup cannot unset it; left at 4',
      ],
    });
  });

  it('gives back a throttle and a disable together', () => {
    const applied = settingsWithApplied(spark, { maxConcurrentDpus: 4, state: 'DISABLED' });

    const change = expectUpdate(restoreChange(spark, applied, applied));

    expect(change).toMatchObject({ state: 'ENABLED', maxConcurrentDpus: 20, conflicts: [] });
  });
});
