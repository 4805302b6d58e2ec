import { isPaused } from '../../../lib/budgets/budget.js';
import { DynamoDbBudgetStore } from '../../../lib/store/dynamodb-budget-store.js';
import { defineCommand } from '../../command.js';
import { CliError } from '../../errors.js';
import { WORKGROUP_OPTION } from '../../options.js';
import { budgetJson, toJsonText } from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget resume',
  summary: "Ends a budget's pause: its actions apply again",
  description: `
Ends the pause set by 'athena-cost budget pause'. At the next evaluation the enforcer takes the
actions of every threshold usage is past, as if the pause had not been.`,
  options: {
    workgroup: WORKGROUP_OPTION,
  },
  formats: ['table', 'json'],
  examples: ['athena-cost budget resume --workgroup etl-nightly'],
  async run(context) {
    const { workgroup } = context.flags;
    const at = context.now();
    const store = new DynamoDbBudgetStore(context.documents(), context.tableName);
    const current = await store.get(workgroup);
    if (current === undefined) {
      throw new CliError(
        `workgroup '${workgroup}' has no budget`,
        1,
        "Run 'athena-cost budget list' to see the budgets.",
      );
    }
    const wasPaused = isPaused(current, at);
    const budget = wasPaused ? ((await store.resume(workgroup, at)) ?? current) : current;
    if (context.format === 'json') {
      context.stdout.write(toJsonText({ budget: budgetJson(budget), resumed: wasPaused }));
    } else {
      context.stdout.write(
        wasPaused
          ? `Resumed the budget of ${workgroup}: its actions apply again.\n`
          : `The budget of ${workgroup} is not paused; nothing to do.\n`,
      );
    }
    return 0;
  },
});
