// zod/mini, as lib/config.ts: the full zod build would triple the function's bundle.
import * as z from 'zod/mini';
import { parseEnvironment } from '../config.js';
import type { ReconcileSettings } from './reconcile-workgroups.js';

const nonNegative = (name: string, fallback: number) =>
  z._default(
    z.coerce
      .number({ error: `${name} must be a number` })
      .check(z.gte(0, { error: `${name} must not be negative` })),
    fallback,
  );

const ReconcileConfigSchema = z.object({
  RECONCILE_SAFETY_MARGIN_MINUTES: nonNegative('RECONCILE_SAFETY_MARGIN_MINUTES', 30),
  RECONCILE_GRACE_MINUTES: nonNegative('RECONCILE_GRACE_MINUTES', 5),
  RECONCILE_INITIAL_LOOKBACK_MINUTES: nonNegative('RECONCILE_INITIAL_LOOKBACK_MINUTES', 60),
  RECONCILE_RESERVE_SECONDS: nonNegative('RECONCILE_RESERVE_SECONDS', 60),
});

export interface ReconcileConfig {
  readonly settings: ReconcileSettings;
  /** Time kept back from the Lambda timeout: no new page starts inside it. */
  readonly reserveMs: number;
}

/** Reconciliation settings from the environment, with defaults; fails naming every bad one. */
export function loadReconcileConfig(env: NodeJS.ProcessEnv = process.env): ReconcileConfig {
  const values = parseEnvironment(ReconcileConfigSchema, env);
  return {
    settings: {
      safetyMarginMs: values.RECONCILE_SAFETY_MARGIN_MINUTES * 60_000,
      graceMs: values.RECONCILE_GRACE_MINUTES * 60_000,
      initialLookbackMs: values.RECONCILE_INITIAL_LOOKBACK_MINUTES * 60_000,
    },
    reserveMs: values.RECONCILE_RESERVE_SECONDS * 1000,
  };
}
