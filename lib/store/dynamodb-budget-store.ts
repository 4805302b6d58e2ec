import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Budget, parseBudget } from '../budgets/budget.js';
import type { BudgetStore, InvalidStoredBudget, StoredBudgets } from './budget-store.js';
import { queryPartition } from './dynamodb-toolkit.js';
import { TableKeys } from './table-keys.js';

/**
 * Reads budgets, which sit in one partition of the table, so listing them is a single Query.
 * Stored budgets are validated on the way out: an item edited by hand into something invalid is
 * reported, not enforced. Apart from the store so that readers (the digest) bundle no writes.
 */
export class DynamoDbBudgetReader implements Pick<BudgetStore, 'list'> {
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async list(): Promise<StoredBudgets> {
    const budgets: Budget[] = [];
    const invalid: InvalidStoredBudget[] = [];
    const items = await queryPartition(this.documents, this.tableName, TableKeys.budget('').pk);
    for (const item of items) {
      const parsed = parseBudget(item);
      if (parsed.ok) budgets.push(parsed.budget);
      else invalid.push({ workgroup: String(item.sk), reason: parsed.reason });
    }
    return { budgets, invalid };
  }
}

/** Budgets in the table: read as {@link DynamoDbBudgetReader} does, written one item each. */
export class DynamoDbBudgetStore extends DynamoDbBudgetReader implements BudgetStore {
  async get(workgroup: string): Promise<Budget | undefined> {
    const output = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: TableKeys.budget(workgroup),
        ConsistentRead: true,
      }),
    );
    if (!output.Item) return undefined;
    const parsed = parseBudget(output.Item);
    if (!parsed.ok) throw new Error(`Stored budget of ${workgroup} is invalid: ${parsed.reason}`);
    return parsed.budget;
  }

  async put(budget: Budget): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...TableKeys.budget(budget.workgroup), type: 'budget', ...budget },
      }),
    );
  }

  async pause(workgroup: string, at: Date, until: Date | undefined): Promise<Budget | undefined> {
    return this.update(
      workgroup,
      until === undefined
        ? {
            expression: 'SET pausedAt = :at REMOVE pausedUntil',
            values: { ':at': at.toISOString() },
          }
        : {
            expression: 'SET pausedAt = :at, pausedUntil = :until',
            values: { ':at': at.toISOString(), ':until': until.toISOString() },
          },
    );
  }

  async resume(workgroup: string, at: Date): Promise<Budget | undefined> {
    return this.update(workgroup, {
      expression: 'SET resumedAt = :at',
      values: { ':at': at.toISOString() },
    });
  }

  /** Updates a stored budget in place; undefined when the workgroup has none. */
  private async update(
    workgroup: string,
    change: { readonly expression: string; readonly values: Record<string, string> },
  ): Promise<Budget | undefined> {
    try {
      const output = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: TableKeys.budget(workgroup),
          UpdateExpression: change.expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: change.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const parsed = parseBudget(output.Attributes);
      if (!parsed.ok) throw new Error(`Stored budget of ${workgroup} is invalid: ${parsed.reason}`);
      return parsed.budget;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw error;
    }
  }

  async remove(workgroup: string): Promise<boolean> {
    const output = await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: TableKeys.budget(workgroup),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return output.Attributes !== undefined;
  }
}
