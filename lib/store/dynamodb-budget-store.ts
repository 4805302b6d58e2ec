import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AttributionBudget, parseAttributionBudget } from '../budgets/attribution-budget.js';
import { type Budget, type Parsed, parseBudget } from '../budgets/budget.js';
import { type BudgetSubjectKind, type NamedBy, namedBy } from '../budgets/budget-subject.js';
import { parseReservationBudget, type ReservationBudget } from '../budgets/reservation-budget.js';
import type {
  BudgetStore,
  InvalidStoredBudget,
  StoredBudgets,
  SubjectBudgetStore,
} from './budget-store.js';
import { isConditionalCheckFailed, queryPartition } from './dynamodb-toolkit.js';
import { TableKeys } from './table-keys.js';

/** How the budgets of one kind of subject sit in the table. */
export interface StoredBudgetKind<B extends NamedBy<K>, K extends BudgetSubjectKind> {
  readonly subject: K;
  /**
   * The item key of a subject's budget: the sort key is the subject's name, and all budgets of
   * the kind share one partition, so listing them is a single Query.
   */
  readonly key: (name: string) => { readonly pk: string; readonly sk: string };
  /** The item's `type` attribute. */
  readonly itemType: string;
  /** Validates a stored item: an item edited by hand into something invalid is reported, not enforced. */
  readonly parse: (item: unknown) => Parsed<B>;
}

/** Workgroup budgets: partition `BUDGET`. */
export const WORKGROUP_BUDGETS: StoredBudgetKind<Budget, 'workgroup'> = {
  subject: 'workgroup',
  key: TableKeys.budget,
  itemType: 'budget',
  parse: parseBudget,
};

/** Reservation budgets: partition `BUDGET#reservation`, which workgroup budget readers never see. */
export const RESERVATION_BUDGETS: StoredBudgetKind<ReservationBudget, 'reservation'> = {
  subject: 'reservation',
  key: TableKeys.reservationBudget,
  itemType: 'reservation-budget',
  parse: parseReservationBudget,
};

/** Attribution budgets: partition `BUDGET#attribution`, by `<key>=<value>`. */
export const ATTRIBUTION_BUDGETS: StoredBudgetKind<AttributionBudget, 'attribution'> = {
  subject: 'attribution',
  key: TableKeys.attributionBudget,
  itemType: 'attribution-budget',
  parse: parseAttributionBudget,
};

/**
 * Reads the budgets of one kind of subject, validated on the way out. Apart from the store so
 * that readers (the digest) bundle no writes.
 */
export class DynamoDbSubjectBudgetReader<B extends NamedBy<K>, K extends BudgetSubjectKind>
  implements Pick<SubjectBudgetStore<B, K>, 'list'>
{
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly kind: StoredBudgetKind<B, K>,
  ) {}

  async list(): Promise<StoredBudgets<B, K>> {
    const budgets: B[] = [];
    const invalid: InvalidStoredBudget<K>[] = [];
    const items = await queryPartition(this.documents, this.tableName, this.kind.key('').pk);
    for (const item of items) {
      const parsed = this.kind.parse(item);
      if (parsed.ok) budgets.push(parsed.budget);
      else invalid.push({ ...namedBy(this.kind.subject, String(item.sk)), reason: parsed.reason });
    }
    return { budgets, invalid };
  }
}

/** The budgets of one kind of subject: read as the reader does, written one item each. */
export class DynamoDbSubjectBudgetStore<B extends NamedBy<K>, K extends BudgetSubjectKind>
  extends DynamoDbSubjectBudgetReader<B, K>
  implements SubjectBudgetStore<B, K>
{
  async get(name: string): Promise<B | undefined> {
    const output = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.kind.key(name),
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? undefined : this.valid(name, output.Item);
  }

  async put(budget: B): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.kind.key(budget[this.kind.subject]),
          type: this.kind.itemType,
          ...budget,
        },
      }),
    );
  }

  async remove(name: string): Promise<boolean> {
    const output = await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: this.kind.key(name),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return output.Attributes !== undefined;
  }

  /** Updates a stored budget in place; undefined when the subject has none. */
  protected async update(
    name: string,
    change: { readonly expression: string; readonly values: Record<string, string> },
  ): Promise<B | undefined> {
    try {
      const output = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.kind.key(name),
          UpdateExpression: change.expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: change.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.valid(name, output.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  private valid(name: string, item: unknown): B {
    const parsed = this.kind.parse(item);
    if (!parsed.ok) throw new Error(`Stored budget of ${name} is invalid: ${parsed.reason}`);
    return parsed.budget;
  }
}

/** Workgroup budgets in the table, which can also be paused and resumed. */
export class DynamoDbBudgetStore
  extends DynamoDbSubjectBudgetStore<Budget, 'workgroup'>
  implements BudgetStore
{
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, WORKGROUP_BUDGETS);
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
}

/** Reservation budgets in the table. */
export class DynamoDbReservationBudgetStore extends DynamoDbSubjectBudgetStore<
  ReservationBudget,
  'reservation'
> {
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, RESERVATION_BUDGETS);
  }
}

/** Attribution budgets in the table. */
export class DynamoDbAttributionBudgetStore extends DynamoDbSubjectBudgetStore<
  AttributionBudget,
  'attribution'
> {
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, ATTRIBUTION_BUDGETS);
  }
}
