import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadBudgetStatuses } from '../budgets/load-budget-statuses.js';
import type { DigestSources } from '../digest/daily-digest.js';
import { deadLetterDepth } from '../digest/sqs-dead-letter-depth.js';
import { reconciledQueriesBetween } from '../metrics/cloudwatch-reconciled-queries.js';
import { DynamoDbSubjectBudgetReader, WORKGROUP_BUDGETS } from '../store/dynamodb-budget-store.js';
import { DynamoDbEnforcementReader } from '../store/dynamodb-enforcement-store.js';
import { DynamoDbUsageCounterReader } from '../store/dynamodb-usage-counter-reader.js';
import { DynamoDbUsageReportSource } from '../store/dynamodb-usage-report-source.js';

export interface DigestWiring {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Where `ReconciledQueries` is read; without it the digest says "unknown". */
  readonly cloudWatch?: { readonly client: CloudWatchClient; readonly namespace: string };
  /** The ingest dead-letter queue; without it the digest says "unknown". */
  readonly deadLetters?: { readonly sqs: SQSClient; readonly queueUrl: string };
  readonly onWarning?: (message: string) => void;
}

/** The digest's sources over DynamoDB, CloudWatch and SQS: the reads `report` and `status` make. */
export function wireDigestSources(wiring: DigestWiring): DigestSources {
  const { documents, tableName, cloudWatch, deadLetters } = wiring;
  return {
    reports: new DynamoDbUsageReportSource(documents, tableName, {
      ...(wiring.onWarning === undefined ? {} : { onWarning: wiring.onWarning }),
    }),
    budgetStatuses: async (at) =>
      (
        await loadBudgetStatuses(
          {
            budgets: new DynamoDbSubjectBudgetReader(documents, tableName, WORKGROUP_BUDGETS),
            counters: new DynamoDbUsageCounterReader(documents, tableName),
            enforcement: new DynamoDbEnforcementReader(documents, tableName),
          },
          at,
        )
      ).statuses,
    reconciledQueries:
      cloudWatch === undefined
        ? undefined
        : (start, end) =>
            reconciledQueriesBetween(cloudWatch.client, cloudWatch.namespace, start, end),
    deadLetters:
      deadLetters === undefined
        ? undefined
        : () => deadLetterDepth(deadLetters.sqs, deadLetters.queueUrl),
  };
}
