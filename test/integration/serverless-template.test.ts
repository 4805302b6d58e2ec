import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_QUEUE } from '../../local/environment/ingest-queue.js';
import {
  PACKAGE_TIMEOUT_MS,
  type PackagedService,
  packageService,
  repoRoot,
} from '../support/package-service.js';

/**
 * Packages the service with osls exactly as CI and a deploy would (esbuild bundles included), with
 * no AWS credentials or profile in reach, and checks the CloudFormation template it produces.
 */

const MAX_ZIP_BYTES = 1024 * 1024;

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
  readonly DependsOn?: unknown;
}

interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Principal?: unknown;
}

interface TableDefinition {
  readonly BillingMode: string;
  readonly KeySchema: unknown;
  readonly AttributeDefinitions: unknown;
  readonly GlobalSecondaryIndexes: unknown;
  readonly TimeToLiveAttribute: string;
}

let packaged: PackagedService | undefined;
let packageDir = '';
let template: Template;
let tableDefinition: TableDefinition;

beforeAll(async () => {
  packaged = await packageService('test');
  packageDir = packaged.packageDir;
  template = packaged.template as Template;
  tableDefinition = JSON.parse(
    await readFile(join(repoRoot, 'resources', 'table.json'), 'utf8'),
  ) as TableDefinition;
}, PACKAGE_TIMEOUT_MS + 20_000);

afterAll(async () => {
  await packaged?.remove();
});

function resource(logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId} in the template`);
  return found;
}

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function onlyResourceOfType(type: string): [string, Resource] {
  const found = resourcesOfType(type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });
const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

const FUNCTION_ROLES = {
  IngestLambdaFunction: 'IngestRole',
  RestoreLambdaFunction: 'RestoreRole',
  ReconcileLambdaFunction: 'ReconcileRole',
  DigestLambdaFunction: 'DigestRole',
  PublishMetricsLambdaFunction: 'PublishMetricsRole',
  CapacityLambdaFunction: 'CapacityRole',
  SparkSessionsLambdaFunction: 'SparkSessionsRole',
} as const;

function roleStatements(roleLogicalId: string): Statement[] {
  const role = resource(roleLogicalId);
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const allRoleStatements = (): Statement[] =>
  Object.values(FUNCTION_ROLES).flatMap((roleLogicalId) => roleStatements(roleLogicalId));

describe('sls package (offline, no credentials)', () => {
  it('targets Node.js 22 on arm64 with ESM bundles for every function', () => {
    for (const [logicalId, handler] of [
      ['IngestLambdaFunction', 'functions/ingest.handler'],
      ['RestoreLambdaFunction', 'functions/restore.handler'],
      ['ReconcileLambdaFunction', 'functions/reconcile.handler'],
      ['PublishMetricsLambdaFunction', 'functions/publish-metrics.handler'],
    ] as const) {
      const fn = resource(logicalId).Properties;
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe(handler);
      expect(fn.MemorySize).toBe(512);
    }
    expect(resource('IngestLambdaFunction').Properties.Timeout).toBe(60);
    expect(resource('RestoreLambdaFunction').Properties.Timeout).toBe(120);
    expect(resource('ReconcileLambdaFunction').Properties.Timeout).toBe(300);
    expect(resource('PublishMetricsLambdaFunction').Properties.Timeout).toBe(60);
  });

  it('gives every function the table, the alerts topic and the settings in its environment', () => {
    for (const [, fn] of resourcesOfType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables).toMatchObject({
        TABLE_NAME: ref('UsageTable'),
        ALERTS_TOPIC_ARN: ref('AlertsTopic'),
        METRICS_NAMESPACE: 'AthenaCostMonitor',
        PRICE_PER_DPU_HOUR_USD: '0.30',
        PRICE_PER_TB_SCANNED_USD: '5.00',
        QUERY_RECORD_TTL_DAYS: '400',
        ATTRIBUTION_VALUES_PER_DAY: '100',
        REDACTED_SQL_CHARS: '0',
        POWERTOOLS_SERVICE_NAME: 'athena-cost',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('keeps function logs for 30 days', () => {
    const logGroups = resourcesOfType('AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(Object.keys(FUNCTION_ROLES).length);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('packages ingest and reconcile each as one bundled .mjs (AWS SDK included) in a zip under 1 MB', async () => {
    for (const name of ['ingest', 'reconcile']) {
      const zipPath = join(packageDir, `${name}.zip`);
      const { size } = await stat(zipPath);
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThan(MAX_ZIP_BYTES);
      // Zip entry names are stored uncompressed: enough to see what the archive holds.
      const names = (await readFile(zipPath)).toString('latin1');
      expect(names).toContain(`functions/${name}.mjs`);
      expect(names).not.toContain('node_modules/');
    }
  });

  it('routes only terminal Athena query states from the default bus to the ingest queue', () => {
    const patternRules = resourcesOfType('AWS::Events::Rule').filter(
      ([, r]) => r.Properties.EventPattern !== undefined,
    );
    expect(patternRules.map(([logicalId]) => logicalId).sort()).toEqual([
      'AthenaQueryCallerRule',
      'AthenaQueryStateRule',
    ]);
    const rule = resource('AthenaQueryStateRule');
    expect(rule.Condition).toBeUndefined();
    expect(rule.Properties.EventBusName).toBe('default');
    expect(rule.Properties.State).toBe('ENABLED');
    const pattern = rule.Properties.EventPattern as {
      detail: { currentState: string[] };
    };
    expect(Object.keys(pattern).sort()).toEqual(['detail', 'detail-type', 'source']);
    expect(pattern).toMatchObject({
      source: ['aws.athena'],
      'detail-type': ['Athena Query State Change'],
    });
    expect(Object.keys(pattern.detail)).toEqual(['currentState']);
    expect([...pattern.detail.currentState].sort()).toEqual(['CANCELLED', 'FAILED', 'SUCCEEDED']);

    const targets = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: unknown }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual(getAttArn('IngestQueue'));
    expect(targets[0]?.DeadLetterConfig).toEqual({ Arn: getAttArn('IngestDeadLetterQueue') });
  });

  it('routes CloudTrail StartQueryExecution records to the ingest queue only with attributePrincipals', () => {
    const rule = resource('AthenaQueryCallerRule');
    expect(rule.Condition).toBe('AttributePrincipals');
    expect(template.Conditions?.AttributePrincipals).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(rule.Properties.EventBusName).toBe('default');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.athena'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['athena.amazonaws.com'], eventName: ['StartQueryExecution'] },
    });
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'IngestQueue',
        Arn: getAttArn('IngestQueue'),
        DeadLetterConfig: { Arn: getAttArn('IngestDeadLetterQueue') },
      },
    ]);
    expect(resource('IngestLambdaFunction').Properties).toMatchObject({
      Environment: { Variables: { ATTRIBUTE_PRINCIPALS: 'false' } },
    });
  });

  it('encrypts the ingest queue and redrives to a 14-day DLQ after maxReceiveCount 5', () => {
    const queue = resource('IngestQueue').Properties;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: getAttArn('IngestDeadLetterQueue'),
      maxReceiveCount: 5,
    });
    const ingestTimeout = resource('IngestLambdaFunction').Properties.Timeout as number;
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * ingestTimeout);

    const dlq = resource('IngestDeadLetterQueue').Properties;
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(resourcesOfType('AWS::SQS::Queue')).toHaveLength(2);
  });

  it('deploys the ingest queue that local mode, the bench and the tests simulate', () => {
    const queue = resource('IngestQueue').Properties;
    const [, mapping] = onlyResourceOfType('AWS::Lambda::EventSourceMapping');
    expect({
      batchSize: mapping.Properties.BatchSize,
      visibilityTimeoutMs: (queue.VisibilityTimeout as number) * 1000,
      maxReceiveCount: (queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
    }).toEqual(INGEST_QUEUE);
  });

  it('lets only EventBridge, for the stack rules, send to the queues, and only over TLS', () => {
    const [, policy] = onlyResourceOfType('AWS::SQS::QueuePolicy');
    expect(policy.Properties.Queues).toEqual([ref('IngestQueue'), ref('IngestDeadLetterQueue')]);
    const all = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const denies = all.filter((statement) => statement.Effect === 'Deny');
    expect(denies).toEqual([
      expect.objectContaining({
        Principal: '*',
        Action: 'sqs:*',
        Resource: [getAttArn('IngestQueue'), getAttArn('IngestDeadLetterQueue')],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
    const statements = all.filter((statement) => statement.Effect !== 'Deny');
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(actionsOf(statement)).toEqual(['sqs:SendMessage']);
      expect(resourcesOf(statement)).toContainEqual(getAttArn('IngestQueue'));
      // The caller rule's ARN only where the rule exists.
      expect(statement.Condition).toEqual({
        ArnEquals: {
          'aws:SourceArn': {
            'Fn::If': [
              'AttributePrincipals',
              [getAttArn('AthenaQueryStateRule'), getAttArn('AthenaQueryCallerRule')],
              [getAttArn('AthenaQueryStateRule')],
            ],
          },
        },
      });
    }
  });

  it('maps the queue to ingest in bounded, partially failing batches', () => {
    const [, mapping] = onlyResourceOfType('AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: getAttArn('IngestQueue'),
      FunctionName: getAttArn('IngestLambdaFunction'),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      Enabled: true,
    });
  });

  it('runs restore hourly, reconcile every 15 minutes, the digest at 07:00 UTC, the metrics outbox sweep, capacity and the Spark sweep every 5', () => {
    const scheduled = resourcesOfType('AWS::Events::Rule').filter(
      ([, r]) => r.Properties.ScheduleExpression !== undefined,
    );
    expect(scheduled).toHaveLength(6);
    const scheduleOf = (functionLogicalId: string) =>
      scheduled.find(([, rule]) =>
        (rule.Properties.Targets as { Arn: unknown }[]).some(
          (target) => JSON.stringify(target.Arn) === JSON.stringify(getAttArn(functionLogicalId)),
        ),
      )?.[1];
    const expected = {
      // A minute after each hour boundary, so a period's restore runs at 00:01 UTC.
      RestoreLambdaFunction: 'cron(1 * * * ? *)',
      ReconcileLambdaFunction: 'rate(15 minutes)',
      DigestLambdaFunction: 'cron(0 7 * * ? *)',
      // Leftovers are taken 6 minutes after their commit: CloudWatch has them within 15 minutes.
      PublishMetricsLambdaFunction: 'rate(5 minutes)',
      SparkSessionsLambdaFunction: 'rate(5 minutes)',
      CapacityLambdaFunction: 'rate(5 minutes)',
    };
    expect(
      Object.fromEntries(
        Object.keys(expected).map((id) => [id, scheduleOf(id)?.Properties.ScheduleExpression]),
      ),
    ).toEqual(expected);
    for (const [, rule] of scheduled) expect(rule.Properties.Targets).toHaveLength(1);
  });

  it('gives reconcile its settings and no Lambda retry of a failed run', () => {
    const variables = (
      resource('ReconcileLambdaFunction').Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables).toMatchObject({
      RECONCILE_SAFETY_MARGIN_MINUTES: '30',
      RECONCILE_GRACE_MINUTES: '5',
      RECONCILE_INITIAL_LOOKBACK_MINUTES: '60',
      RECONCILE_RESERVE_SECONDS: '60',
    });
    const reserve = Number(variables.RECONCILE_RESERVE_SECONDS);
    expect(reserve).toBeLessThan(resource('ReconcileLambdaFunction').Properties.Timeout as number);
    // Reconcile, the digest, capacity and the Spark sweep: a failed run is not retried by Lambda
    // (capacity's and the Spark sweep's next scheduled runs count from the same stored figures).
    const invokeConfigs = resourcesOfType('AWS::Lambda::EventInvokeConfig').map(
      ([, config]) => config.Properties,
    );
    expect(invokeConfigs).toHaveLength(4);
    for (const functionId of [
      'ReconcileLambdaFunction',
      'DigestLambdaFunction',
      'CapacityLambdaFunction',
      'SparkSessionsLambdaFunction',
    ])
      expect(invokeConfigs).toContainEqual(
        expect.objectContaining({ FunctionName: ref(functionId), MaximumRetryAttempts: 0 }),
      );
  });

  it('retains the table and the DLQ when the stack is deleted or they are replaced', () => {
    for (const logicalId of ['UsageTable', 'IngestDeadLetterQueue']) {
      expect(resource(logicalId).DeletionPolicy).toBe('Retain');
      expect(resource(logicalId).UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('builds the one table from resources/table.json with PITR, SSE and TTL on', () => {
    const [logicalId, table] = onlyResourceOfType('AWS::DynamoDB::Table');
    expect(logicalId).toBe('UsageTable');
    const properties = table.Properties;
    expect(properties.TableName).toBe('athena-cost-test');
    expect(properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(properties.BillingMode).toBe(tableDefinition.BillingMode);
    expect(properties.KeySchema).toEqual(tableDefinition.KeySchema);
    expect(properties.AttributeDefinitions).toEqual(tableDefinition.AttributeDefinitions);
    expect(properties.GlobalSecondaryIndexes).toEqual(tableDefinition.GlobalSecondaryIndexes);
    expect(properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
    expect(tableDefinition.TimeToLiveAttribute).toBe('expiresAt');
    // Off outside prod by default (the template check packages prod, where it is on).
    expect(properties.DeletionProtectionEnabled).toBe(false);
  });

  it('gives each function a role of its own, with no managed policy', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [functionId, roleId] of Object.entries(FUNCTION_ROLES)) {
      expect(resource(functionId).Properties.Role).toEqual(getAttArn(roleId));
      const trust = resource(roleId).Properties.AssumeRolePolicyDocument as {
        Statement: Statement[];
      };
      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ]);
    }
    // Besides the functions' roles, only the chat channel's, created when channel ids are given.
    expect(
      resourcesOfType('AWS::IAM::Role')
        .map(([logicalId]) => logicalId)
        .sort(),
    ).toEqual([...Object.values(FUNCTION_ROLES), 'ChatChannelRole'].sort());
  });

  it('creates Slack and Teams channel configurations only when their ids are given, with a read-only guardrail', () => {
    const slack = resource('SlackChannel');
    const teams = resource('TeamsChannel');
    expect(slack.Condition).toBe('HasSlackChannel');
    expect(teams.Condition).toBe('HasTeamsChannel');
    for (const channel of [slack, teams]) {
      expect(channel.Properties).toMatchObject({
        SnsTopicArns: [ref('AlertsTopic')],
        GuardrailPolicies: [ref('ChatGuardrailPolicy')],
        IamRoleArn: getAttArn('ChatChannelRole'),
        UserRoleRequired: false,
      });
    }
    // Default ids are empty: every condition is false and nothing is created.
    expect(template.Conditions?.HasSlackChannel).toEqual({
      'Fn::And': [
        { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] },
        { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] },
      ],
    });
    const guardrail = resource('ChatGuardrailPolicy').Properties.PolicyDocument as {
      Statement: Statement[];
    };
    expect(guardrail.Statement.flatMap(actionsOf).sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricWidgetImage',
    ]);
    const role = resource('ChatChannelRole');
    expect(role.Condition).toBe('HasChatChannel');
    expect(role.Properties.ManagedPolicyArns).toEqual([ref('ChatGuardrailPolicy')]);
  });

  it('lets each function write only its own log group', () => {
    for (const [functionId, roleId] of Object.entries(FUNCTION_ROLES)) {
      const logGroupId = functionId.replace('LambdaFunction', 'LogGroup');
      const logs = roleStatements(roleId).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('logs:')),
      );
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [getAttArn(logGroupId)],
        },
      ]);
    }
  });

  it('allows only, with no wildcarded action and no Scan', () => {
    for (const statement of allRoleStatements()) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      expect(actionsOf(statement)).not.toContain('dynamodb:Scan');
    }
  });

  it('scopes every grant to its resources; "*" only where the action has no resource type', () => {
    for (const statement of allRoleStatements()) {
      const actions = actionsOf(statement);
      const resources = resourcesOf(statement);
      if (resources.includes('*')) {
        expect(resources).toEqual(['*']);
        expect([
          'athena:ListWorkGroups',
          'athena:ListCapacityReservations',
          'cloudwatch:PutMetricData',
          'cloudwatch:GetMetricStatistics',
          'cloudwatch:ListMetrics',
          'cloudwatch:GetMetricData',
        ]).toEqual(expect.arrayContaining(actions));
      }
      if (actions.includes('cloudwatch:PutMetricData')) {
        expect(actions).toEqual(['cloudwatch:PutMetricData']);
        expect(statement.Condition).toEqual({
          StringEquals: { 'cloudwatch:namespace': 'AthenaCostMonitor' },
        });
      }
      if (actions.some((action) => action.startsWith('athena:'))) {
        if (actions.includes('athena:ListWorkGroups')) {
          expect(actions).toEqual(['athena:ListWorkGroups']);
          continue;
        }
        if (actions.includes('athena:ListCapacityReservations')) {
          expect(actions).toEqual(['athena:ListCapacityReservations']);
          continue;
        }
        expect(actions.every((action) => action.startsWith('athena:'))).toBe(true);
        if (actions.every((action) => action.includes('Capacity'))) {
          expect(resources).toEqual([
            {
              'Fn::Sub':
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
                'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:capacity-reservation/*',
            },
          ]);
          continue;
        }
        expect(resources).toEqual([
          {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
            'Fn::Sub': 'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/*',
          },
        ]);
      }
      // Only reads reach the indexes: the digest (as `report` does), the metrics outbox sweep, and
      // ingest and reconcile listing a period's workgroups for attribution budgets.
      if (actions.some((action) => action.startsWith('dynamodb:'))) {
        expect(resources[0]).toEqual(getAttArn('UsageTable'));
        expect(
          actions.every((action) =>
            ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'].includes(action),
          )
            ? [
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
                { 'Fn::Sub': '${UsageTable.Arn}/index/byPeriod' },
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
                { 'Fn::Sub': '${UsageTable.Arn}/index/byWorkgroupDayCost' },
              ]
            : [],
        ).toEqual(expect.arrayContaining(resources.slice(1)));
      }
      if (actions.includes('sns:Publish')) expect(resources).toEqual([ref('AlertsTopic')]);
      if (actions.some((action) => action.startsWith('kms:'))) {
        expect(resources).toEqual([getAttArn('AlertsKey')]);
        expect(statement.Condition?.StringEquals).toHaveProperty(['kms:ViaService']);
      }
      if (actions.some((action) => action.startsWith('sqs:'))) {
        expect([[getAttArn('IngestQueue')], [getAttArn('IngestDeadLetterQueue')]]).toContainEqual(
          resources,
        );
      }
    }
  });

  it('scopes workgroup changes to tagged workgroups only when onlyTaggedWorkgroups is "true"', () => {
    const changes = allRoleStatements().filter((statement) =>
      actionsOf(statement).includes('athena:UpdateWorkGroup'),
    );
    // Ingest, reconcile and restore (SQL budgets), the Spark sweep (Spark budgets).
    expect(changes).toHaveLength(4);
    for (const statement of changes) {
      expect(statement.Condition).toEqual({
        'Fn::If': [
          'OnlyTaggedWorkgroups',
          { StringEquals: { 'aws:ResourceTag/athena-cost:managed': 'true' } },
          { Ref: 'AWS::NoValue' },
        ],
      });
    }
    expect(template.Conditions?.OnlyTaggedWorkgroups).toEqual({ 'Fn::Equals': ['false', 'true'] });
  });

  it('encrypts the alerts topic with a key CloudWatch alarms may use, email optional', () => {
    const topic = resource('AlertsTopic').Properties;
    expect(topic.KmsMasterKeyId).toEqual(getAttArn('AlertsKey'));
    const key = resource('AlertsKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const keyStatements = (key.KeyPolicy as { Statement: Statement[] }).Statement;
    const alarmAccess = keyStatements.filter(
      (statement) =>
        JSON.stringify(statement.Principal) ===
        JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    // Only this account's alarms may have CloudWatch use the key (no confused deputy).
    expect(alarmAccess).toHaveLength(1);
    expect(alarmAccess[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
          'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
        },
      },
    });
    const topicPolicy = onlyResourceOfType('AWS::SNS::TopicPolicy')[1].Properties
      .PolicyDocument as { Statement: Statement[] };
    expect(topicPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );

    const [, subscription] = onlyResourceOfType('AWS::SNS::Subscription');
    expect(subscription.Condition).toBe('HasAlertEmail');
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      TopicArn: ref('AlertsTopic'),
    });
    // Default alertEmail is empty, so the condition compares '' with '' and is false.
    expect(template.Conditions?.HasAlertEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it('alarms to the alerts topic on DLQ messages, ingest errors, queue backlog, missed queries and reconcile errors', () => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([ref('AlertsTopic')]);
    const find = (namespace: string, metric: string, dimension: unknown) =>
      alarms.find(
        (alarm) =>
          alarm.Namespace === namespace &&
          alarm.MetricName === metric &&
          JSON.stringify(alarm.Dimensions) === JSON.stringify(dimension),
      );
    expect(
      find('AWS/SQS', 'ApproximateNumberOfMessagesVisible', [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'QueueName'] } },
      ]),
    ).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(
      find('AWS/Lambda', 'Errors', [{ Name: 'FunctionName', Value: ref('IngestLambdaFunction') }]),
    ).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(
      find('AWS/SQS', 'ApproximateAgeOfOldestMessage', [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['IngestQueue', 'QueueName'] } },
      ]),
    ).toMatchObject({ Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' });
    // Reconciliation recorded queries the events missed in three 15-minute periods running.
    expect(find('AthenaCostMonitor', 'ReconciledQueries', undefined)).toMatchObject({
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(
      find('AWS/Lambda', 'Errors', [
        { Name: 'FunctionName', Value: ref('ReconcileLambdaFunction') },
      ]),
    ).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('has a dashboard whose body is valid JSON with per-workgroup SEARCH widgets', () => {
    const [, dashboard] = onlyResourceOfType('AWS::CloudWatch::Dashboard');
    const [body, variables] = (
      dashboard.Properties.DashboardBody as { 'Fn::Sub': [string, object] }
    )['Fn::Sub'];
    expect(variables).toMatchObject({ Namespace: 'AthenaCostMonitor' });
    const used = new Set([...body.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
    for (const name of used) {
      if (name?.startsWith('AWS::')) continue;
      expect(variables, `Fn::Sub variable ${name}`).toHaveProperty([name as string]);
    }
    // Substitute placeholders as CloudFormation would, then it must parse.
    const rendered = body.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name === 'Namespace' ? 'AthenaCostMonitor' : 'x',
    );
    const parsed = JSON.parse(rendered) as { widgets: unknown[] };
    expect(parsed.widgets.length).toBeGreaterThan(0);
    for (const metric of ['DpuHours', 'CostUsd']) {
      expect(rendered).toContain(
        `SEARCH('{AthenaCostMonitor,WorkGroup} MetricName=\\"${metric}\\"', 'Sum', 3600)`,
      );
    }
    expect(rendered).toContain(
      `SEARCH('{AthenaCostMonitor,WorkGroup} MetricName=\\"BudgetUsedPercent\\"', 'Maximum'`,
    );
    for (const metric of ['ReservationAllocatedDpuHours', 'ReservationIdleDpuHours'])
      expect(rendered).toContain(
        `SEARCH('{AthenaCostMonitor,CapacityReservation} MetricName=\\"${metric}\\"', 'Sum', 3600)`,
      );
    expect(rendered).toContain('MetricName=\\"ReservationUtilizationPercent\\"');
    for (const metric of ['SparkDpuHours', 'SessionCount'])
      expect(rendered).toContain(
        `SEARCH('{AthenaCostMonitor,WorkGroup} MetricName=\\"${metric}\\"', 'Sum', 3600)`,
      );
    expect(variables).toMatchObject({
      SparkSessionsFunctionName: ref('SparkSessionsLambdaFunction'),
    });
    expect(rendered).toContain('[ "AthenaCostMonitor", "ReconciledQueries"');
    expect(variables).toMatchObject({ ReconcileFunctionName: ref('ReconcileLambdaFunction') });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    expect(body).toContain('"FunctionName", "${ReconcileFunctionName}"');
  });

  it('outputs the table, queues, topic and dashboard', () => {
    expect(template.Outputs).toMatchObject({
      UsageTableName: { Value: ref('UsageTable') },
      IngestQueueUrl: { Value: ref('IngestQueue') },
      IngestDeadLetterQueueUrl: { Value: ref('IngestDeadLetterQueue') },
      IngestDeadLetterQueueArn: { Value: getAttArn('IngestDeadLetterQueue') },
      IngestQueueArn: { Value: getAttArn('IngestQueue') },
      MetricsNamespace: { Value: 'AthenaCostMonitor' },
      AttributePrincipals: { Value: 'false' },
      AttributionValuesPerDay: { Value: 100 },
      AlertsTopicArn: { Value: ref('AlertsTopic') },
      DashboardName: { Value: ref('Dashboard') },
    });
  });
});
