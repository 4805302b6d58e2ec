import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
  DynamoDbReservationBudgetStore,
} from '../../../lib/store/dynamodb-budget-store.js';
import { defineCommand } from '../../command.js';
import {
  budgetListJson,
  budgetListTables,
  invalidBudgetWarnings,
  toJsonText,
} from '../../output/budget-output.js';

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
    const warnings = invalidBudgetWarnings({
      workgroups: workgroups.invalid,
      reservations: reservations.invalid,
      attributions: attributions.invalid,
    });
    for (const warning of warnings) context.warn(warning);
    context.stdout.write(
      context.format === 'json'
        ? toJsonText(budgetListJson(workgroups, reservations, attributions))
        : budgetListTables(workgroups, reservations, attributions, context.now()),
    );
    return 0;
  },
});
