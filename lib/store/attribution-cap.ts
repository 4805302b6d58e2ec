import { isUncappedValue, OTHER_VALUE } from '../usage/query-attribution.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { type CountedValue, valueRegistriesOf, valueRegistryId } from './transaction-packing.js';

/** Default cap of distinct values per attribution key, workgroup and day. */
export const DEFAULT_ATTRIBUTION_VALUES_PER_DAY = 100;
/** Registries remembered per instance before the memory is dropped and learnt again. */
const MAX_REMEMBERED_REGISTRIES = 10_000;

/** Values a transaction adds to one day's registry, under the condition that keeps the cap. */
export interface RegistryAddition {
  readonly id: string;
  readonly workgroup: string;
  readonly key: string;
  readonly day: string;
  readonly values: readonly string[];
  /** The registry may hold at most this many values before the addition. */
  readonly maxSizeBefore: number;
}

export interface AttributionPlan {
  readonly countedValue: CountedValue;
  readonly additions: readonly RegistryAddition[];
}

/**
 * Keeps each attribution key's distinct values per workgroup and day within a cap. The table's
 * registry item of a day is the truth: a transaction adds the new values it counts to it under a
 * condition that the cap holds, so concurrent writers cannot overshoot it; this instance only
 * remembers what it saw there, and learns from a read when a condition fails. Registries only
 * grow, so what it remembers stays true.
 */
export class AttributionValueCap {
  private readonly admitted = new Map<string, Set<string>>();
  private readonly sizeRead = new Map<string, number>();

  constructor(private readonly valuesPerDay: number = DEFAULT_ATTRIBUTION_VALUES_PER_DAY) {
    if (!Number.isInteger(valuesPerDay) || valuesPerDay < 1)
      throw new RangeError(
        `attribution values per day must be a whole number ≥ 1, got ${valuesPerDay}`,
      );
  }

  /** Which values a transaction of these queries counts as themselves, and what it adds. */
  plan(group: readonly QueryUsage[]): AttributionPlan {
    const additions: RegistryAddition[] = [];
    const counted = new Map<string, Set<string>>();
    for (const [id, registry] of valueRegistriesOf(group)) {
      const known = this.admitted.get(id) ?? new Set<string>();
      const fresh = registry.values.filter((value) => !known.has(value));
      const size = Math.max(this.sizeRead.get(id) ?? 0, known.size);
      const added = fresh.slice(0, Math.max(0, this.valuesPerDay - size));
      counted.set(id, new Set([...registry.values.filter((value) => known.has(value)), ...added]));
      if (added.length > 0)
        additions.push({
          id,
          workgroup: registry.workgroup,
          key: registry.key,
          day: registry.day,
          values: added,
          maxSizeBefore: this.valuesPerDay - added.length,
        });
    }
    return {
      countedValue: (usage, key, value) =>
        isUncappedValue(key, value) ||
        counted.get(valueRegistryId(usage.workgroup, key, usage.periods.day))?.has(value)
          ? value
          : OTHER_VALUE,
      additions,
    };
  }

  /** The plan's transaction committed: its additions are in the registries. */
  committed(plan: AttributionPlan): void {
    if (this.admitted.size > MAX_REMEMBERED_REGISTRIES) {
      this.admitted.clear();
      this.sizeRead.clear();
    }
    for (const addition of plan.additions) {
      const known = this.admitted.get(addition.id) ?? new Set<string>();
      for (const value of addition.values) known.add(value);
      this.admitted.set(addition.id, known);
    }
  }

  /** A consistent read of a registry found these values. */
  learn(id: string, values: readonly string[]): void {
    const known = this.admitted.get(id) ?? new Set<string>();
    for (const value of values) known.add(value);
    this.admitted.set(id, known);
    this.sizeRead.set(id, Math.max(this.sizeRead.get(id) ?? 0, values.length));
  }
}
