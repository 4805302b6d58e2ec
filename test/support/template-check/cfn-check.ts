/**
 * Checks a CloudFormation template against the CloudFormation resource specification shipped in
 * @aws-cdk/aws-service-spec: resource types, properties and their types, required properties,
 * allowed values, and every Ref, GetAtt, Sub, DependsOn and Condition target.
 */
import type { Property, PropertyType, SpecDatabase } from '@aws-cdk/service-spec-types';
import {
  type CfnTemplate,
  intrinsicOf,
  PSEUDO_PARAMETERS,
  subPlaceholders,
} from './cfn-template.js';

/** Every finding, each one line naming where it is. */
export function templateFindings(template: CfnTemplate, db: SpecDatabase): string[] {
  return [...schemaFindings(template, db), ...referenceFindings(template, db)];
}

function specOf(db: SpecDatabase, type: string) {
  return db.lookup('resource', 'cloudFormationType', 'equals', type).at(0);
}

export function schemaFindings(template: CfnTemplate, db: SpecDatabase): string[] {
  const findings: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const spec = specOf(db, resource.Type);
    if (spec === undefined) {
      findings.push(`${logicalId}: unknown resource type ${resource.Type}`);
      continue;
    }
    checkProperties(db, spec.properties, resource.Properties ?? {}, logicalId, findings);
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const value = resource[policy];
      if (
        value !== undefined &&
        !['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate'].includes(value)
      )
        findings.push(`${logicalId}: ${policy} ${value} is not a deletion policy`);
    }
  }
  return findings;
}

function checkProperties(
  db: SpecDatabase,
  properties: Readonly<Record<string, Property>>,
  value: unknown,
  path: string,
  findings: string[],
): void {
  if (intrinsicOf(value) !== undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    findings.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
    return;
  }
  const given = value as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    if (property.required === true && !(name in given))
      findings.push(`${path}: required property ${name} is missing`);
  }
  for (const [name, member] of Object.entries(given)) {
    const property = properties[name];
    if (property === undefined) {
      findings.push(`${path}: unknown property ${name}`);
      continue;
    }
    checkType(db, property.type, member, `${path}.${name}`, findings);
  }
}

function checkType(
  db: SpecDatabase,
  type: PropertyType,
  value: unknown,
  path: string,
  findings: string[],
): void {
  if (intrinsicOf(value) !== undefined) return;
  const wrong = (expected: string) =>
    findings.push(`${path}: expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`);
  switch (type.type) {
    case 'string':
      if (!['string', 'number', 'boolean'].includes(typeof value)) wrong('a string');
      else if (type.allowedValues !== undefined && !type.allowedValues.includes(String(value)))
        wrong(`one of ${type.allowedValues.join(', ')}`);
      return;
    case 'number':
    case 'integer':
      if (
        !(
          typeof value === 'number' ||
          (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        )
      )
        wrong(`a ${type.type}`);
      else if (type.type === 'integer' && !Number.isInteger(Number(value))) wrong('an integer');
      return;
    case 'boolean':
      if (!(typeof value === 'boolean' || value === 'true' || value === 'false'))
        wrong('a boolean');
      return;
    case 'date-time':
      if (typeof value !== 'string') wrong('a date-time string');
      return;
    case 'json':
      if (typeof value !== 'object' && typeof value !== 'string') wrong('JSON');
      return;
    case 'null':
    case 'tag':
      return;
    case 'array':
      if (!Array.isArray(value)) wrong('a list');
      else
        for (const [index, item] of value.entries())
          checkType(db, type.element, item, `${path}[${index}]`, findings);
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) wrong('a map');
      else
        for (const [key, item] of Object.entries(value))
          checkType(db, type.element, item, `${path}.${key}`, findings);
      return;
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference.$ref);
      checkProperties(db, definition.properties, value, path, findings);
      return;
    }
    case 'union': {
      const attempts = type.types.map((alternative) => {
        const found: string[] = [];
        checkType(db, alternative, value, path, found);
        return found;
      });
      if (!attempts.some((found) => found.length === 0))
        findings.push(...(attempts.sort((a, b) => a.length - b.length)[0] ?? []));
      return;
    }
    default:
      return;
  }
}

export function referenceFindings(template: CfnTemplate, db: SpecDatabase): string[] {
  const findings: string[] = [];
  const resources = template.Resources;
  const conditions = template.Conditions ?? {};
  const parameters = template.Parameters ?? {};
  const refExists = (name: string) =>
    PSEUDO_PARAMETERS.has(name) || name in resources || name in parameters;
  const checkGetAtt = (logicalId: string, attribute: string, path: string) => {
    const target = resources[logicalId];
    if (target === undefined) {
      findings.push(`${path}: GetAtt of unknown resource ${logicalId}`);
      return;
    }
    const spec = specOf(db, target.Type);
    if (spec !== undefined && !(attribute in spec.attributes))
      findings.push(`${path}: ${target.Type} ${logicalId} has no attribute ${attribute}`);
  };
  const checkCondition = (name: unknown, path: string) => {
    if (typeof name !== 'string' || !(name in conditions))
      findings.push(`${path}: unknown condition ${String(name)}`);
  };

  const walk = (value: unknown, path: string): void => {
    const call = intrinsicOf(value);
    if (call !== undefined) {
      const [name, argument] = call;
      if (name === 'Ref') {
        if (typeof argument !== 'string' || !refExists(argument))
          findings.push(`${path}: Ref to unknown ${String(argument)}`);
        return;
      }
      if (name === 'Fn::GetAtt') {
        const [logicalId, attribute] =
          typeof argument === 'string'
            ? (argument.split(/\.(.*)/s) as [string, string])
            : (argument as [string, string]);
        checkGetAtt(logicalId, attribute, path);
        return;
      }
      if (name === 'Condition') {
        checkCondition(argument, path);
        return;
      }
      if (name === 'Fn::Sub') {
        const [text, variables = {}] =
          typeof argument === 'string'
            ? [argument]
            : (argument as [string, Record<string, unknown>]);
        for (const placeholder of subPlaceholders(text)) {
          if (Object.hasOwn(variables, placeholder)) continue;
          const [logicalId, attribute] = placeholder.split(/\.(.*)/s) as [
            string,
            string | undefined,
          ];
          if (attribute === undefined) {
            if (!refExists(logicalId))
              findings.push(`${path}: Fn::Sub of unknown \${${logicalId}}`);
          } else checkGetAtt(logicalId, attribute, path);
        }
        for (const [key, member] of Object.entries(variables)) walk(member, `${path}.${key}`);
        return;
      }
      if (name === 'Fn::If') {
        const [condition, ...branches] = argument as unknown[];
        checkCondition(condition, path);
        for (const [index, branch] of branches.entries()) walk(branch, `${path}[${index + 1}]`);
        return;
      }
      walk(argument, path);
      return;
    }
    if (Array.isArray(value))
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`);
    else if (typeof value === 'object' && value !== null)
      for (const [key, member] of Object.entries(value)) walk(member, `${path}.${key}`);
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    walk(resource.Properties ?? {}, logicalId);
    if (resource.Condition !== undefined) checkCondition(resource.Condition, logicalId);
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const target of dependsOn)
      if (!(target in resources)) findings.push(`${logicalId}: DependsOn unknown ${target}`);
  }
  for (const [name, definition] of Object.entries(conditions))
    walk(definition, `Conditions.${name}`);
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    walk(output.Value, `Outputs.${name}`);
    if (output.Condition !== undefined) checkCondition(output.Condition, `Outputs.${name}`);
  }
  return findings;
}
