import { formatBytes } from '../format/format-values.js';
import type { Budget } from './budget.js';

/** The classification holding the DPU bounds of a capacity-reservation workgroup. */
export const ENGINE_PROPERTIES_CLASSIFICATION = 'athena-query-engine-properties';
/** The names of the engine properties that bound a query's DPUs (4 to 124, steps of 4). */
export const MAX_DPU_COUNT_PROPERTY = 'max-dpu-count';
export const MIN_DPU_COUNT_PROPERTY = 'min-dpu-count';
/** The Spark engine setting a Spark workgroup's throttle lowers, as Athena names it. */
export const MAX_CONCURRENT_DPUS = 'MaxConcurrentDpus';

export type WorkgroupState = 'ENABLED' | 'DISABLED';

/** Mirrors Athena's `Classification` (engine configuration), without the SDK's optionals. */
export interface Classification {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
}

/**
 * The workgroup settings the enforcer changes: snapshotted before its first change of a period
 * so they can be given back, and recorded after each change as what the enforcer set.
 */
export interface WorkgroupSettings {
  readonly state: WorkgroupState;
  readonly classifications: readonly Classification[] | undefined;
  readonly bytesScannedCutoffPerQuery: number | undefined;
  /**
   * `EnforceWorkGroupConfiguration` ("Override client-side settings"): unless true, a query's
   * own DPU settings win over the workgroup's. Undefined in snapshots taken before it was kept.
   */
  readonly enforceWorkgroupConfiguration?: boolean | undefined;
  /**
   * A Spark workgroup's `EngineConfiguration.MaxConcurrentDpus`: the DPUs a new session may use
   * at once unless it asks for its own (StartSession carries an EngineConfiguration of its own).
   * Undefined when the workgroup sets none, and in snapshots taken before it was kept.
   */
  readonly maxConcurrentDpus?: number | undefined;
}

/**
 * The fields an enforcer's change set, each with the value it set: kept field by field so that
 * two actions of a period (a throttle, then a disable) each record only what they changed.
 */
export interface AppliedFields {
  readonly state?: WorkgroupState;
  readonly bytesScannedCutoffPerQuery?: number;
  readonly maxDpuCount?: string;
  readonly minDpuCount?: string;
  readonly enforceWorkgroupConfiguration?: boolean;
  readonly maxConcurrentDpus?: number;
}

/** The fields whose value differs between `before` and `after` a change, with their new value. */
export function appliedFieldsOf(
  before: WorkgroupSettings,
  after: WorkgroupSettings,
): AppliedFields {
  const fields: {
    state?: WorkgroupState;
    bytesScannedCutoffPerQuery?: number;
    maxDpuCount?: string;
    minDpuCount?: string;
    enforceWorkgroupConfiguration?: boolean;
    maxConcurrentDpus?: number;
  } = {};
  if (after.state !== before.state) fields.state = after.state;
  if (
    after.maxConcurrentDpus !== undefined &&
    after.maxConcurrentDpus !== before.maxConcurrentDpus
  ) {
    fields.maxConcurrentDpus = after.maxConcurrentDpus;
  }
  if (
    after.enforceWorkgroupConfiguration === true &&
    before.enforceWorkgroupConfiguration !== true
  ) {
    fields.enforceWorkgroupConfiguration = true;
  }
  const cutoff = after.bytesScannedCutoffPerQuery;
  if (cutoff !== undefined && cutoff !== before.bytesScannedCutoffPerQuery)
    fields.bytesScannedCutoffPerQuery = cutoff;
  const maxDpu = engineProperty(after, MAX_DPU_COUNT_PROPERTY);
  if (maxDpu !== undefined && maxDpu !== engineProperty(before, MAX_DPU_COUNT_PROPERTY))
    fields.maxDpuCount = maxDpu;
  const minDpu = engineProperty(after, MIN_DPU_COUNT_PROPERTY);
  if (minDpu !== undefined && minDpu !== engineProperty(before, MIN_DPU_COUNT_PROPERTY))
    fields.minDpuCount = minDpu;
  return fields;
}

/** The settings the enforcer left: the snapshot with every field it set in the period. */
export function settingsWithApplied(
  snapshot: WorkgroupSettings,
  applied: AppliedFields,
): WorkgroupSettings {
  const { maxDpuCount, minDpuCount } = applied;
  return {
    state: applied.state ?? snapshot.state,
    bytesScannedCutoffPerQuery:
      applied.bytesScannedCutoffPerQuery ?? snapshot.bytesScannedCutoffPerQuery,
    enforceWorkgroupConfiguration:
      applied.enforceWorkgroupConfiguration ?? snapshot.enforceWorkgroupConfiguration,
    maxConcurrentDpus: applied.maxConcurrentDpus ?? snapshot.maxConcurrentDpus,
    classifications:
      maxDpuCount === undefined && minDpuCount === undefined
        ? snapshot.classifications
        : editEngineProperties(snapshot.classifications, (properties) => ({
            ...properties,
            ...(maxDpuCount === undefined ? {} : { [MAX_DPU_COUNT_PROPERTY]: maxDpuCount }),
            ...(minDpuCount === undefined ? {} : { [MIN_DPU_COUNT_PROPERTY]: minDpuCount }),
          })),
  };
}

/** Nothing to do, and why. */
export interface NoWorkgroupChange {
  readonly kind: 'none';
  readonly reason: string;
}

/** The fields to send to UpdateWorkGroup; absent fields stay as they are. */
export interface WorkgroupUpdate {
  readonly kind: 'update';
  readonly state?: WorkgroupState;
  /** The complete list to set (Athena replaces the list); may be empty. */
  readonly classifications?: readonly Classification[];
  readonly bytesScannedCutoffPerQuery?: number;
  /** Maps to `RemoveBytesScannedCutoffPerQuery`: the workgroup had no cutoff before. */
  readonly removeBytesScannedCutoff?: boolean;
  readonly enforceWorkgroupConfiguration?: boolean;
  /** A Spark workgroup's `EngineConfiguration.MaxConcurrentDpus`. */
  readonly maxConcurrentDpus?: number;
  /** The settings once the update is made: what to record as set by the enforcer. */
  readonly resulting: WorkgroupSettings;
}

export type WorkgroupChange = NoWorkgroupChange | WorkgroupUpdate;

/** A restore, with the fields left alone because an operator changed them since the enforcer. */
export type RestoreChange = WorkgroupChange & { readonly conflicts: readonly string[] };

/** The value of a DPU property of the engine classification, if set. */
export function engineProperty(settings: WorkgroupSettings, property: string): string | undefined {
  return engineClassificationOf(settings.classifications)?.properties[property];
}

/**
 * The change a throttle threshold makes. On a capacity-reservation workgroup (throttleMaxDpu
 * set) it caps `max-dpu-count`, lowering `min-dpu-count` with it when above, and keeps every
 * other classification and property; on an on-demand one it caps the per-query scan; on a Spark
 * one (throttleMaxConcurrentDpus) it lowers the workgroup's `MaxConcurrentDpus`, which new
 * sessions that ask for no value of their own take. It never raises a ceiling an operator
 * already set lower. When the budget says so, the same update turns
 * `EnforceWorkGroupConfiguration` on, so that no client's own DPU settings win.
 */
export function throttleChange(
  current: WorkgroupSettings,
  budget: Pick<
    Budget,
    | 'throttleMaxDpu'
    | 'throttleBytesScannedCutoff'
    | 'throttleMaxConcurrentDpus'
    | 'enforceWorkgroupConfiguration'
  >,
): WorkgroupChange {
  const change =
    budget.throttleMaxDpu !== undefined
      ? capDpu(current, budget.throttleMaxDpu)
      : budget.throttleBytesScannedCutoff !== undefined
        ? capBytesScanned(current, budget.throttleBytesScannedCutoff)
        : budget.throttleMaxConcurrentDpus !== undefined
          ? capConcurrentDpus(current, budget.throttleMaxConcurrentDpus)
          : none(
              'the budget sets none of throttleMaxDpu, throttleBytesScannedCutoff, throttleMaxConcurrentDpus',
            );
  if (budget.enforceWorkgroupConfiguration !== true || current.enforceWorkgroupConfiguration) {
    return change;
  }
  if (change.kind === 'none') {
    return {
      kind: 'update',
      enforceWorkgroupConfiguration: true,
      resulting: { ...current, enforceWorkgroupConfiguration: true },
    };
  }
  return {
    ...change,
    enforceWorkgroupConfiguration: true,
    resulting: { ...change.resulting, enforceWorkgroupConfiguration: true },
  };
}

/** The change a disable threshold makes. */
export function disableChange(current: WorkgroupSettings): WorkgroupChange {
  if (current.state === 'DISABLED') return none('the workgroup is already DISABLED');
  return { kind: 'update', state: 'DISABLED', resulting: { ...current, state: 'DISABLED' } };
}

/**
 * The change giving back the snapshot taken before the enforcer's first change, for the fields
 * the enforcer still owns: those whose current value is what it set (`applied`). A field an
 * operator changed since is theirs: it is left alone and named in `conflicts`.
 */
export function restoreChange(
  snapshot: WorkgroupSettings,
  applied: WorkgroupSettings,
  current: WorkgroupSettings,
): RestoreChange {
  const conflicts: string[] = [];
  const reclaim = <T>(field: string, pick: (settings: WorkgroupSettings) => T) =>
    reclaimField(field, pick(snapshot), pick(applied), pick(current), conflicts);

  const state = reclaim('state', (settings) => settings.state);
  const cutoff = reclaim('bytesScannedCutoffPerQuery', (s) => s.bytesScannedCutoffPerQuery);
  const enforce = reclaim(
    'EnforceWorkGroupConfiguration',
    // A snapshot without the field predates it: the enforcer had not set it either.
    (s) => s.enforceWorkgroupConfiguration ?? false,
  );
  const maxDpu = reclaim(MAX_DPU_COUNT_PROPERTY, (s) => engineProperty(s, MAX_DPU_COUNT_PROPERTY));
  let concurrentDpus = reclaim(MAX_CONCURRENT_DPUS, (s) => s.maxConcurrentDpus);
  // UpdateWorkGroup has no flag that removes MaxConcurrentDpus (as it has for the scan cutoff):
  // a value the workgroup did not have before the throttle cannot be given back, only reported.
  if (concurrentDpus.reclaimed && concurrentDpus.value === undefined) {
    conflicts.push(
      `${MAX_CONCURRENT_DPUS}: unset before the throttle, and UpdateWorkGroup cannot unset it; left at ${show(current.maxConcurrentDpus)}`,
    );
    concurrentDpus = { reclaimed: false };
  }
  let minDpu = reclaim(MIN_DPU_COUNT_PROPERTY, (s) => engineProperty(s, MIN_DPU_COUNT_PROPERTY));

  // Athena rejects min-dpu-count above max-dpu-count, which happens when the enforcer lowered
  // both and an operator has raised only the max since, to less than the old min.
  const resultingMax = maxDpu.reclaimed
    ? maxDpu.value
    : engineProperty(current, MAX_DPU_COUNT_PROPERTY);
  if (minDpu.reclaimed && isAbove(minDpu.value, resultingMax)) {
    conflicts.push(
      `${MIN_DPU_COUNT_PROPERTY}: restoring ${show(minDpu.value)} would exceed ${MAX_DPU_COUNT_PROPERTY} ${show(resultingMax)}; left at ${show(engineProperty(current, MIN_DPU_COUNT_PROPERTY))}`,
    );
    minDpu = { reclaimed: false };
  }

  let resulting = current;
  const update: {
    state?: WorkgroupState;
    classifications?: readonly Classification[];
    bytesScannedCutoffPerQuery?: number;
    removeBytesScannedCutoff?: boolean;
    enforceWorkgroupConfiguration?: boolean;
    maxConcurrentDpus?: number;
  } = {};
  if (state.reclaimed) {
    update.state = state.value;
    resulting = { ...resulting, state: state.value };
  }
  if (cutoff.reclaimed) {
    if (cutoff.value === undefined) update.removeBytesScannedCutoff = true;
    else update.bytesScannedCutoffPerQuery = cutoff.value;
    resulting = { ...resulting, bytesScannedCutoffPerQuery: cutoff.value };
  }
  if (enforce.reclaimed) {
    update.enforceWorkgroupConfiguration = enforce.value;
    resulting = { ...resulting, enforceWorkgroupConfiguration: enforce.value };
  }
  if (concurrentDpus.reclaimed && concurrentDpus.value !== undefined) {
    update.maxConcurrentDpus = concurrentDpus.value;
    resulting = { ...resulting, maxConcurrentDpus: concurrentDpus.value };
  }
  if (maxDpu.reclaimed || minDpu.reclaimed) {
    const hadEngineClassification = engineClassificationOf(snapshot.classifications) !== undefined;
    const classifications = editEngineProperties(current.classifications, (properties) => {
      const restored = { ...properties };
      if (maxDpu.reclaimed) setOrDelete(restored, MAX_DPU_COUNT_PROPERTY, maxDpu.value);
      if (minDpu.reclaimed) setOrDelete(restored, MIN_DPU_COUNT_PROPERTY, minDpu.value);
      // A classification the enforcer added goes away with its last property.
      return hadEngineClassification || Object.keys(restored).length > 0 ? restored : undefined;
    });
    update.classifications = classifications;
    resulting = { ...resulting, classifications };
  }

  if (Object.keys(update).length === 0) {
    return {
      kind: 'none',
      reason:
        conflicts.length > 0
          ? 'operators have changed every field the enforcer set; nothing to restore'
          : 'nothing the enforcer set is left to restore',
      conflicts,
    };
  }
  return { kind: 'update', ...update, resulting, conflicts };
}

function capDpu(current: WorkgroupSettings, maxDpu: number): WorkgroupChange {
  const currentMax = dpuCount(engineProperty(current, MAX_DPU_COUNT_PROPERTY));
  if (currentMax !== undefined && currentMax <= maxDpu) {
    return none(
      `${MAX_DPU_COUNT_PROPERTY} is already ${currentMax}, at or below the throttle's ${maxDpu}`,
    );
  }
  const classifications = editEngineProperties(current.classifications, (properties) => {
    const capped: Record<string, string> = {
      ...properties,
      [MAX_DPU_COUNT_PROPERTY]: String(maxDpu),
    };
    const currentMin = dpuCount(properties[MIN_DPU_COUNT_PROPERTY]);
    if (currentMin !== undefined && currentMin > maxDpu)
      capped[MIN_DPU_COUNT_PROPERTY] = String(maxDpu);
    return capped;
  });
  return { kind: 'update', classifications, resulting: { ...current, classifications } };
}

function capConcurrentDpus(current: WorkgroupSettings, ceiling: number): WorkgroupChange {
  const currentCeiling = current.maxConcurrentDpus;
  if (currentCeiling !== undefined && currentCeiling <= ceiling) {
    return none(
      `${MAX_CONCURRENT_DPUS} is already ${currentCeiling}, at or below the throttle's ${ceiling}`,
    );
  }
  return {
    kind: 'update',
    maxConcurrentDpus: ceiling,
    resulting: { ...current, maxConcurrentDpus: ceiling },
  };
}

function capBytesScanned(current: WorkgroupSettings, cutoff: number): WorkgroupChange {
  const currentCutoff = current.bytesScannedCutoffPerQuery;
  if (currentCutoff !== undefined && currentCutoff <= cutoff) {
    return none(
      `BytesScannedCutoffPerQuery is already ${formatBytes(currentCutoff)}, at or below the throttle's ${formatBytes(cutoff)}`,
    );
  }
  return {
    kind: 'update',
    bytesScannedCutoffPerQuery: cutoff,
    resulting: { ...current, bytesScannedCutoffPerQuery: cutoff },
  };
}

type Reclaimed<T> = { readonly reclaimed: true; readonly value: T } | { readonly reclaimed: false };

/** Whether the enforcer may give a field back its snapshot value; records a conflict if not. */
function reclaimField<T>(
  field: string,
  snapshot: T,
  applied: T,
  current: T,
  conflicts: string[],
): Reclaimed<T> {
  // Untouched by the enforcer, or already back where it was: nothing to do either way.
  if (applied === snapshot || current === snapshot) return { reclaimed: false };
  if (current === applied) return { reclaimed: true, value: snapshot };
  conflicts.push(`${field}: product set ${show(applied)}, now ${show(current)}; left as is`);
  return { reclaimed: false };
}

/**
 * Applies `edit` to the properties of the engine classification, adding the classification when
 * absent; `edit` returning undefined removes it. Every other classification is kept as is.
 */
function editEngineProperties(
  classifications: readonly Classification[] | undefined,
  edit: (properties: Readonly<Record<string, string>>) => Record<string, string> | undefined,
): Classification[] {
  const list = classifications ?? [];
  const index = list.findIndex(isEngineClassification);
  const existing = list[index];
  const properties = edit(existing?.properties ?? {});
  const edited =
    properties === undefined ? [] : [{ name: ENGINE_PROPERTIES_CLASSIFICATION, properties }];
  if (existing === undefined) return [...list, ...edited];
  return [...list.slice(0, index), ...edited, ...list.slice(index + 1)];
}

function engineClassificationOf(
  classifications: readonly Classification[] | undefined,
): Classification | undefined {
  return classifications?.find(isEngineClassification);
}

const isEngineClassification = (classification: Classification) =>
  classification.name === ENGINE_PROPERTIES_CLASSIFICATION;

/** A DPU count property as a number; undefined when unset or not a whole number. */
function dpuCount(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function isAbove(value: string | undefined, bound: string | undefined): boolean {
  const number = dpuCount(value);
  const limit = dpuCount(bound);
  return number !== undefined && limit !== undefined && number > limit;
}

function setOrDelete(properties: Record<string, string>, key: string, value: string | undefined) {
  if (value === undefined) delete properties[key];
  else properties[key] = value;
}

const show = (value: unknown): string => (value === undefined ? 'unset' : String(value));

const none = (reason: string): NoWorkgroupChange => ({ kind: 'none', reason });
