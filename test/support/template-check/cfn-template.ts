/**
 * A packaged CloudFormation template, and its intrinsic functions resolved as CloudFormation
 * would in one account and region: enough to simulate IAM policies against concrete ARNs.
 */
import type { SpecDatabase } from '@aws-cdk/service-spec-types';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Parameters?: Record<string, unknown>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Condition?: string }>;
}

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** An intrinsic function call: an object with the one key `Ref` or `Fn::*`. */
export function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return undefined;
  if (key !== 'Ref' && key !== 'Condition' && !key.startsWith('Fn::')) return undefined;
  return [key, (value as Record<string, unknown>)[key]];
}

/** The `${...}` placeholders of a Fn::Sub string (`${!Literal}` escapes are not placeholders). */
export function subPlaceholders(text: string): string[] {
  return [...text.matchAll(/\$\{([^}!][^}]*)\}/g)].map((match) => (match[1] as string).trim());
}

export const NO_VALUE = Symbol('AWS::NoValue');

export interface Environment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
}

/** Resolves intrinsic functions to the values CloudFormation would produce in `environment`. */
export class TemplateResolver {
  private readonly conditionValues = new Map<string, boolean>();

  constructor(
    readonly template: CfnTemplate,
    private readonly db: SpecDatabase,
    readonly environment: Environment,
  ) {}

  condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    const value = this.evaluateCondition(definition);
    this.conditionValues.set(name, value);
    return value;
  }

  private evaluateCondition(definition: unknown): boolean {
    const call = intrinsicOf(definition);
    if (call === undefined) throw new Error(`not a condition: ${JSON.stringify(definition)}`);
    const [name, argument] = call;
    const args = argument as unknown[];
    switch (name) {
      case 'Condition':
        return this.condition(argument as string);
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(args[0])) === JSON.stringify(this.resolve(args[1]));
      case 'Fn::Not':
        return !this.evaluateCondition(args[0]);
      case 'Fn::And':
        return args.every((part) => this.evaluateCondition(part));
      case 'Fn::Or':
        return args.some((part) => this.evaluateCondition(part));
      default:
        throw new Error(`unsupported condition function ${name}`);
    }
  }

  /** The value with every intrinsic resolved; `Ref: AWS::NoValue` members dropped. */
  resolve(value: unknown): unknown {
    const call = intrinsicOf(value);
    if (call !== undefined) return this.call(call[0], call[1]);
    if (Array.isArray(value))
      return value.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value)) {
        const resolved = this.resolve(member);
        if (resolved !== NO_VALUE) out[key] = resolved;
      }
      return out;
    }
    return value;
  }

  private call(name: string, argument: unknown): unknown {
    const args = argument as unknown[];
    switch (name) {
      case 'Ref':
        return this.ref(argument as string);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof argument === 'string'
            ? (argument.split(/\.(.*)/s) as [string, string])
            : (args as [string, string]);
        return this.attribute(logicalId, attribute);
      }
      case 'Fn::Sub': {
        const [text, variables] =
          typeof argument === 'string'
            ? [argument, {}]
            : (args as [string, Record<string, unknown>]);
        return text
          .replace(/\$\{([^}!][^}]*)\}/g, (_, placeholder: string) => {
            const name = placeholder.trim();
            if (Object.hasOwn(variables, name)) return String(this.resolve(variables[name]));
            const [logicalId, attribute] = name.split(/\.(.*)/s) as [string, string | undefined];
            return String(
              attribute === undefined ? this.ref(logicalId) : this.attribute(logicalId, attribute),
            );
          })
          .replace(/\$\{!/g, '${');
      }
      case 'Fn::Join':
        return (this.resolve(args[1]) as unknown[]).join(args[0] as string);
      case 'Fn::If':
        return this.resolve(this.condition(args[0] as string) ? args[1] : args[2]);
      case 'Fn::Select':
        return (this.resolve(args[1]) as unknown[])[Number(this.resolve(args[0]))];
      case 'Fn::Split':
        return String(this.resolve(args[1])).split(args[0] as string);
      default:
        throw new Error(`unsupported intrinsic function ${name}`);
    }
  }

  private ref(name: string): unknown {
    const { partition, region, account, stackName } = this.environment;
    switch (name) {
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::Partition':
        return partition;
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    const resource = this.template.Resources[name];
    if (resource === undefined) throw new Error(`Ref to unknown ${name}`);
    // Ref returns the resource's primary identifier.
    const spec = this.specOf(resource.Type);
    const [identifier = 'Id'] = spec?.primaryIdentifier ?? [];
    return this.attribute(name, identifier);
  }

  /** The ARN, name or URL of a resource, as CloudFormation would report it. */
  attribute(logicalId: string, attribute: string): unknown {
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new Error(`GetAtt of unknown ${logicalId}`);
    const { partition, region, account } = this.environment;
    const name = this.physicalName(logicalId);
    // A log group's Arn attribute ends in `:*`, covering its streams (CloudFormation docs).
    if (attribute === 'Arn' && resource.Type === 'AWS::Logs::LogGroup')
      return `${this.arnOf(logicalId)}:*`;
    if (attribute === 'Arn') return this.arnOf(logicalId);
    if (attribute.endsWith('Arn')) return this.arnOf(logicalId);
    if (attribute === 'QueueUrl') return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
    if (attribute === 'KeyId') return `${logicalId.toLowerCase()}-0000-key-id`;
    if (/Name$/.test(attribute)) return name;
    return `${logicalId}.${attribute}@${partition}`;
  }

  /** The name a resource gets: its name property, else one made from the stack name. */
  physicalName(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    const properties = (this.resolve(resource?.Properties ?? {}) ?? {}) as Record<string, unknown>;
    const spec = resource === undefined ? undefined : this.specOf(resource.Type);
    const nameProperty = Object.keys(spec?.properties ?? {}).find(
      (property) => property === `${spec?.name}Name` || property === 'Name',
    );
    const value = nameProperty === undefined ? undefined : properties[nameProperty];
    return typeof value === 'string' ? value : `${this.environment.stackName}-${logicalId}`;
  }

  arnOf(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId}`);
    const template = this.specOf(resource.Type)?.arnTemplate;
    if (template === undefined) throw new Error(`no ARN template for ${resource.Type}`);
    const { partition, region, account } = this.environment;
    return template.replace(/\$\{(\w+)\}/g, (_, variable: string) => {
      if (variable === 'Partition') return partition;
      if (variable === 'Region') return region;
      if (variable === 'Account') return account;
      if (variable === 'KeyId') return String(this.attribute(logicalId, 'KeyId'));
      return this.physicalName(logicalId);
    });
  }

  specOf(type: string) {
    return this.db.lookup('resource', 'cloudFormationType', 'equals', type).at(0);
  }
}
