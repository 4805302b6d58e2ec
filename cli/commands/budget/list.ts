import { DynamoDbBudgetStore } from '../../../lib/store/dynamodb-budget-store.js';
import { DynamoDbReservationBudgetStore } from '../../../lib/store/dynamodb-reservation-budget-store.js';
import { defineCommand } from '../../command.js';
import {
  budgetListJson,
  budgetsTable,
  reservationBudgetJson,
  reservationBudgetsTable,
  toJsonText,
} from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget list',
  summary: 'Lists every budget',
  description: `
Lists the stored budgets by workgroup, then the capacity reservation budgets. A stored budget that no longer validates (edited by hand)
is not enforced: it is reported on stderr, and under "invalid" in JSON.`,
  options: {},
  formats: ['table', 'json'],
  examples: ['athena-cost budget list', 'athena-cost budget list --format json'],
  async run(context) {
    const { budgets, invalid } = await new DynamoDbBudgetStore(
      context.documents(),
      context.tableName,
    ).list();
    const reservations = await new DynamoDbReservationBudgetStore(
      context.documents(),
      context.tableName,
    ).list();
    for (const entry of invalid) {
      context.warn(
        `the stored budget of ${entry.workgroup} is invalid and not enforced: ${entry.reason}`,
      );
    }
    for (const entry of reservations.invalid) {
      context.warn(
        `the stored budget of reservation ${entry.reservation} is invalid and not enforced: ${entry.reason}`,
      );
    }
    if (context.format === 'json') {
      context.stdout.write(
        toJsonText({
          ...budgetListJson(budgets, invalid),
          reservationBudgets: reservations.budgets.map(reservationBudgetJson),
          invalidReservationBudgets: reservations.invalid.map(({ reservation, reason }) => ({
            reservation,
            reason,
          })),
        }),
      );
    } else if (budgets.length === 0 && reservations.budgets.length === 0) {
      context.stdout.write("No budgets. Set one with 'athena-cost budget set'.\n");
    } else {
      const parts: string[] = [];
      if (budgets.length > 0) parts.push(budgetsTable(budgets, context.now()));
      if (reservations.budgets.length > 0) {
        parts.push(
          `Capacity reservation budgets\n${reservationBudgetsTable(reservations.budgets)}`,
        );
      }
      context.stdout.write(parts.join('\n'));
    }
    return 0;
  },
});
