import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReservationAlert } from '../../lib/alerts/budget-alert.js';
import { SnsAlertPublisher } from '../../lib/alerts/sns-alert-publisher.js';
import type { ReservationBudget } from '../../lib/budgets/reservation-budget.js';
import type { RestoreReservations } from '../../lib/budgets/restore-reservations.js';
import type { CapacityRun } from '../../lib/capacity/capacity-run.js';
import { DynamoDbReservationBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbReservationEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import {
  wireCapacityRun,
  wireRestoreReservations,
} from '../../lib/wiring/wire-capacity-function.js';
import { messageForProtocol } from '../../local/stand-ins/sns-stand-in.js';
import { aReservationBudget } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { aTestConfig, quietLog, startTestAws, type TestAws } from '../support/test-aws.js';

/**
 * Reservation budgets end to end: the capacity run (counting, then the budgets) and the restore
 * through the real SDK clients against DynamoDB Local and the Athena, CloudWatch and SNS
 * stand-ins, on a simulated clock. A 24-DPU reservation allocates 0.4 DPU-hours a minute, so a
 * 10 DPU-hour daily budget is reached by what the run at 10:28 counts (10:00 to 10:25).
 */

const MINUTE = 60_000;
const DAY = '2026-11-30';
const START = Date.parse(`${DAY}T10:00:00Z`);
const RESERVATION = 'etl-capacity';

let aws: TestAws;
let now = new Date(START);
let runCapacity: CapacityRun;
let restore: RestoreReservations;

const at = (minutes: number) => new Date(START + minutes * MINUTE);

beforeEach(async () => {
  now = new Date(START);
  aws = await startTestAws({
    tablePrefix: 'athena-cost-reservation-budgets',
    clock: () => now,
  });
  const alerts = new SnsAlertPublisher(quietLog, aws.clients.sns, aws.alertsTopicArn);
  const wiring = {
    ...aws.wiring(aTestConfig(aws.table.name, { ALERTS_TOPIC_ARN: aws.alertsTopicArn }), () => now),
    alerts,
  };
  runCapacity = wireCapacityRun(wiring);
  restore = wireRestoreReservations(wiring);
  aws.athena.account.addWorkGroup({ Name: 'etl' });
  aws.athena.account.putCapacityReservation({
    Name: RESERVATION,
    TargetDpus: 24,
    LastSuccessfulAllocationTime: at(-60),
  });
  aws.athena.account.assignWorkGroups(RESERVATION, ['etl']);
});

afterEach(async () => {
  await aws?.stop();
});

async function setBudget(overrides: Partial<ReservationBudget> = {}): Promise<ReservationBudget> {
  const budget = aReservationBudget({
    reservation: RESERVATION,
    updatedAt: new Date(START - 3_600_000).toISOString(),
    ...overrides,
  });
  await new DynamoDbReservationBudgetStore(aws.table.documents, aws.table.name).put(budget);
  return budget;
}

/** Runs the capacity function's use case at START + `minutes`. */
async function runAt(minutes: number) {
  now = at(minutes);
  return runCapacity();
}

/** Runs every 5 minutes from 10:03 to 10:28: the last one counts 10:00 to 10:25, 100 %. */
async function runToTheLimit() {
  for (const minutes of [3, 8, 13, 18, 23]) {
    const result = await runAt(minutes);
    expect(result.failed + result.failedBudgets).toBe(0);
  }
  return runAt(28);
}

const updateCalls = () =>
  aws.athena.account.updateCapacityReservationCalls.filter(
    (call) => call.input.Name === RESERVATION && call.error === undefined,
  );

const reservationAlerts = (): ReservationAlert[] =>
  aws.sns.messages
    .map((message) => JSON.parse(messageForProtocol(message, 'sqs')) as ReservationAlert)
    .filter((alert) => alert.kind === 'reservation-budget' || alert.kind === 'reservation-scaled');

const actionsOfDay = () =>
  new DynamoDbReservationEnforcementStore(aws.table.documents, aws.table.name).actions({
    reservation: RESERVATION,
    period: 'day',
    periodKey: DAY,
  });

/** Athena completes the requested allocation (UPDATE_PENDING → ACTIVE). */
function allocationCompletes(minutes: number) {
  const target = aws.athena.account.getCapacityReservation(RESERVATION)?.TargetDpus ?? 0;
  aws.athena.account.changeCapacityReservation(RESERVATION, {
    Status: 'ACTIVE',
    AllocatedDpus: target,
    LastSuccessfulAllocationTime: at(minutes),
  });
}

describe('reservation budgets', () => {
  it('notifies at 50 %, scales down once at 100 %, through a failed request and two concurrent runs', async () => {
    // Prepare
    await setBudget();
    aws.athena.faults = { UpdateCapacityReservation: { serverErrorRate: 1 } };

    // Act: the run that crosses 100 % cannot reach UpdateCapacityReservation; the next two
    // start at the same instant, both finding the threshold unsettled; then one more.
    const failed = await runToTheLimit();
    aws.athena.faults = {};
    now = at(33);
    const concurrent = await Promise.all([runCapacity(), runCapacity()]);
    const later = await runAt(38);

    // Assess
    expect(failed.failedBudgets).toBe(1);
    expect(failed.budgets[0]?.error).toMatch(/InternalServer|500|server/i);
    const budgetRuns = [...concurrent, later].flatMap((result) => result.budgets);
    expect(budgetRuns.every((run) => run.error === undefined)).toBe(true);
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8]);
    expect(aws.athena.account.getCapacityReservation(RESERVATION)).toMatchObject({
      TargetDpus: 8,
      Status: 'UPDATE_PENDING',
    });
    const actions = await actionsOfDay();
    expect(actions.map(({ thresholdId, status }) => ({ thresholdId, status }))).toEqual([
      { thresholdId: '100:scale-down', status: 'applied' },
      { thresholdId: '50:notify', status: 'applied' },
    ]);
    const alerts = reservationAlerts();
    expect(alerts.map((alert) => `${alert.kind}:${alert.outcome}`)).toEqual([
      'reservation-budget:notified',
      'reservation-budget:failed',
      'reservation-scaled:applied',
    ]);
    expect(alerts[2]).toMatchObject({ fromDpus: 24, toDpus: 8, direction: 'down' });
  });

  it('skips the scale-down, and says so, when the target changed since the last run (auto-scaler)', async () => {
    // Prepare
    await setBudget();
    for (const minutes of [3, 8, 13, 18, 23]) await runAt(minutes);
    // The auto-scaler raises the target between two runs.
    aws.athena.account.changeCapacityReservation(RESERVATION, { TargetDpus: 32 });

    // Act
    const crossing = await runAt(28);
    const later = await runAt(33);

    // Assess: nothing requested, the skip recorded once and alerted once.
    expect(crossing.failedBudgets + later.failedBudgets).toBe(0);
    expect(updateCalls()).toEqual([]);
    const scaleDown = (await actionsOfDay()).find((record) => record.action === 'scale-down');
    expect(scaleDown).toMatchObject({ status: 'no-change' });
    expect(scaleDown?.detail).toMatch(
      /^skipped: TargetDpus is 32, not the 24 the product last saw/,
    );
    const skipped = reservationAlerts().filter((alert) => alert.kind === 'reservation-scaled');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ outcome: 'skipped', fromDpus: 32 });
  });

  it('scales down over a changed target when the budget overrides the auto-scaler', async () => {
    // Prepare
    await setBudget({ overrideAutoscaler: true });
    for (const minutes of [3, 8, 13, 18, 23]) await runAt(minutes);
    aws.athena.account.changeCapacityReservation(RESERVATION, { TargetDpus: 32 });

    // Act
    await runAt(28);

    // Assess
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8]);
  });

  it('gives the target back after the period, once, and not before', async () => {
    // Prepare: scaled down on the day; Athena completes the allocation.
    await setBudget();
    await runToTheLimit();
    allocationCompletes(40);

    // Act
    now = at(13 * 60 + 50); // 23:50, the period still running
    const early = await restore();
    now = new Date(`2026-12-01T00:30:00Z`);
    const restored = await restore();
    const again = await restore();

    // Assess
    expect(early).toEqual([]);
    expect(restored).toEqual([
      expect.objectContaining({ reservation: RESERVATION, periodKey: DAY, outcome: 'restored' }),
    ]);
    expect(again).toEqual([]);
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8, 24]);
    const restoreAlert = reservationAlerts().at(-1);
    expect(restoreAlert).toMatchObject({
      kind: 'reservation-scaled',
      direction: 'restore',
      outcome: 'applied',
      fromDpus: 8,
      toDpus: 24,
    });
  });

  it('waits while the scale-down is still being allocated', async () => {
    // Prepare
    await setBudget();
    await runToTheLimit();

    // Act: the allocation has not completed by the restore's first look.
    now = new Date(`2026-12-01T00:30:00Z`);
    const pending = await restore();
    allocationCompletes(15 * 60);
    now = new Date(`2026-12-01T01:30:00Z`);
    const restored = await restore();

    // Assess
    expect(pending.map((result) => result.outcome)).toEqual(['pending']);
    expect(restored.map((result) => result.outcome)).toEqual(['restored']);
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8, 24]);
  });

  it('leaves the target alone at restore when an operator changed it since the scale-down', async () => {
    // Prepare
    await setBudget();
    await runToTheLimit();
    aws.athena.account.changeCapacityReservation(RESERVATION, {
      TargetDpus: 16,
      AllocatedDpus: 16,
      Status: 'ACTIVE',
    });

    // Act
    now = new Date(`2026-12-01T00:30:00Z`);
    const results = await restore();

    // Assess
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'conflict',
        detail: expect.stringMatching(/^TargetDpus is 16, not the 8 the budget set/),
      }),
    ]);
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8]);
    expect(aws.athena.account.getCapacityReservation(RESERVATION)?.TargetDpus).toBe(16);
    expect(reservationAlerts().at(-1)).toMatchObject({ direction: 'restore', outcome: 'conflict' });
    expect(await restore()).toEqual([]);
  });

  it('carries a scale-down into the next period when that one is over budget before restore ran', async () => {
    // Prepare: scaled down on the day, allocation complete; restore has not run yet.
    await setBudget();
    await runToTheLimit();
    allocationCompletes(40);

    // Act: the next day, 8 DPUs for 75 minutes reach 10 DPU-hours; then the day ends.
    const next = Date.parse('2026-12-01T00:00:00Z');
    for (let minutes = 3; minutes <= 83; minutes += 5) {
      now = new Date(next + minutes * MINUTE);
      const result = await runCapacity();
      expect(result.failedBudgets).toBe(0);
    }
    now = new Date('2026-12-02T00:30:00Z');
    const restored = await restore();

    // Assess: one scale-down, kept through the second day, then the first target given back.
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8, 24]);
    expect(restored).toEqual([
      expect.objectContaining({ periodKey: '2026-12-01', outcome: 'restored' }),
    ]);
    const kept = reservationAlerts().filter(
      (alert) => alert.kind === 'reservation-scaled' && alert.periodKey === '2026-12-01',
    );
    expect(kept[0]).toMatchObject({ direction: 'down', outcome: 'no-change' });
    expect(kept[0]?.detail).toBe(
      `kept the scale-down of day ${DAY} (TargetDpus 8); TargetDpus 24 is given back when this period ends`,
    );
  });

  it('in dry run, records and alerts what it would do, and changes nothing', async () => {
    // Prepare
    await setBudget({ dryRun: true });

    // Act
    await runToTheLimit();
    await runAt(33);

    // Assess
    expect(updateCalls()).toEqual([]);
    const scaleDown = (await actionsOfDay()).find((record) => record.action === 'scale-down');
    expect(scaleDown).toMatchObject({
      status: 'dry-run',
      detail: 'would request TargetDpus 8 (now 24)',
    });
    expect(reservationAlerts().filter((alert) => alert.kind === 'reservation-scaled')).toEqual([
      expect.objectContaining({ outcome: 'dry-run', toDpus: 8 }),
    ]);
  });

  it('when protected, only notifies', async () => {
    // Prepare
    await setBudget({ protected: true });

    // Act
    await runToTheLimit();

    // Assess
    expect(updateCalls()).toEqual([]);
    expect(
      (await actionsOfDay()).map(({ thresholdId, action }) => ({ thresholdId, action })),
    ).toEqual([
      { thresholdId: '100:scale-down', action: 'notify' },
      { thresholdId: '50:notify', action: 'notify' },
    ]);
    expect(reservationAlerts().map((alert) => alert.kind)).toEqual([
      'reservation-budget',
      'reservation-budget',
    ]);
  });

  it('shows the budget in status with the figures of report --by reservation; restore and rm through the CLI', async () => {
    // Prepare
    await setBudget();
    await runToTheLimit();
    aws.stubEnvironment();
    const cli = (args: string[]) =>
      runCliInMemory([...args, '--table', aws.table.name, '--format', 'json'], {
        env: process.env,
        now: () => at(30),
      });

    // Act
    const status = await cli(['status', '--reservation', RESERVATION]);
    const everything = await cli(['status']);
    const list = await cli(['budget', 'list']);
    const report = await cli(['report', '--by', 'reservation', '--from', DAY, '--to', DAY]);
    allocationCompletes(40);
    const restored = await runCliInMemory(
      ['restore', '--table', aws.table.name, '--format', 'json'],
      {
        env: process.env,
        now: () => new Date('2026-12-01T00:30:00Z'),
      },
    );
    const removed = await cli(['budget', 'rm', '--reservation', RESERVATION]);
    const listAfter = await cli(['budget', 'list']);
    vi.unstubAllEnvs();

    // Assess
    expect(status.stderr).toBe('');
    const row = JSON.parse(report.stdout).rows[0];
    const shown = JSON.parse(status.stdout).reservationBudgets[0];
    expect(shown).toMatchObject({
      reservation: RESERVATION,
      periodKey: DAY,
      allocatedDpuHours: row.allocatedDpuHours,
      costUsd: row.costUsd,
      usedPercent: 100,
    });
    expect(row.allocatedDpuHours).toBe(10);
    expect(shown.actions.map((action: { action: string }) => action.action)).toEqual([
      'notify',
      'scale-down',
    ]);
    expect(JSON.parse(everything.stdout).reservationBudgets).toEqual([shown]);
    expect(JSON.parse(list.stdout).reservationBudgets).toEqual([
      expect.objectContaining({ reservation: RESERVATION, scaleDownDpus: 8 }),
    ]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).reservations).toEqual([
      expect.objectContaining({ reservation: RESERVATION, outcome: 'restored' }),
    ]);
    expect(updateCalls().map((call) => call.input.TargetDpus)).toEqual([8, 24]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(listAfter.stdout).reservationBudgets).toEqual([]);
  });
});
