import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
  DynamoDbReservationBudgetStore,
} from '../../../lib/store/dynamodb-budget-store.js';
import { defineCommand } from '../../command.js';
import { budgetListJson, budgetListTables, toJsonText } from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget list',
  summary: 'Lists every budget',
  description: `
Lists the stored budgets by workgroup, then the capacity reservation budgets, then the budgets on
attribution values (principals, tag values, dbt models). A stored budget that no longer validates (edited by hand)
is not enforced: it is reported on stderr, and under "invalid" in JSON.`,
  options: {},
  formats: ['table', 'json'],
  examples: ['athena-cost budget list', 'athena-cost budget list --format json'],
  async run(context) {
    const workgroups = await new DynamoDbBudgetStore(context.documents(), context.tableName).list();
    const reservations = await new DynamoDbReservationBudgetStore(
      context.documents(),
      context.tableName,
    ).list();
    const attributions = await new DynamoDbAttributionBudgetStore(
      context.documents(),
      context.tableName,
    ).list();
    for (const entry of attributions.invalid) {
      context.warn(
        `the stored attribution budget ${entry.attribution} is invalid and not evaluated: ${entry.reason}`,
      );
    }
    for (const entry of workgroups.invalid) {
      context.warn(
        `the stored budget of ${entry.workgroup} is invalid and not enforced: ${entry.reason}`,
      );
    }
    for (const entry of reservations.invalid) {
      context.warn(
        `the stored budget of reservation ${entry.reservation} is invalid and not enforced: ${entry.reason}`,
      );
    }
    context.stdout.write(
      context.format === 'json'
        ? toJsonText(budgetListJson(workgroups, reservations, attributions))
        : budgetListTables(workgroups, reservations, attributions, context.now()),
    );
    return 0;
  },
});
