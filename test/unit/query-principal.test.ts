import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIngestMessage } from '../../lib/events/ingest-message.js';
import { callerOfIdentity } from '../../lib/usage/query-principal.js';
import {
  anAssumedRole,
  anIamUser,
  aQueryStartedEvent,
  aStateChangeEvent,
} from '../support/factories.js';

const SAMPLE = readFileSync(
  new URL('../../events/cloudtrail/start-query-execution.json', import.meta.url),
  'utf8',
);
const ID = '3f1e8c2a-6b7d-4e9f-a1b2-c3d4e5f60001';

describe('callerOfIdentity', () => {
  it.each([
    [
      'an assumed role session',
      anAssumedRole('dbt-runner', 'nightly-42'),
      { principal: 'role/dbt-runner', detail: 'nightly-42' },
    ],
    [
      'an Identity Center permission set session',
      anAssumedRole('AWSReservedSSO_DataAnalyst_0a1b2c3d4e5f', 'ana@example.com'),
      {
        principal: 'identity-center/ana@example.com',
        detail: 'role/AWSReservedSSO_DataAnalyst_0a1b2c3d4e5f',
      },
    ],
    ['an IAM user', anIamUser('ana'), { principal: 'user/ana' }],
    [
      'the root user',
      { type: 'Root', arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' },
      { principal: 'root' },
    ],
    [
      'a federated user',
      {
        type: 'FederatedUser',
        arn: 'arn:aws:sts::123456789012:federated-user/bob',
        accountId: '123456789012',
      },
      { principal: 'federated-user/bob' },
    ],
    [
      'an Identity Center user (trusted identity propagation)',
      {
        type: 'IdentityCenterUser',
        accountId: '123456789012',
        onBehalfOf: { userId: '94482488-3041-7026-18f3-be45837cd0e4' },
      },
      { principal: 'identity-center/94482488-3041-7026-18f3-be45837cd0e4' },
    ],
    [
      'an AWS service',
      { type: 'AWSService', invokedBy: 'glue.amazonaws.com' },
      { principal: 'service/glue.amazonaws.com' },
    ],
    [
      'a role of another account',
      anAssumedRole('reader', 's', '210987654321'),
      { principal: '210987654321:role/reader', detail: 's' },
    ],
  ])('normalises %s', (_label, identity, caller) => {
    expect(callerOfIdentity(identity, '123456789012')).toEqual({ ok: true, caller });
  });

  it.each([
    ['an unattributed type', { type: 'SAMLUser' }, /SAMLUser/],
    ['no type', {}, /\(none\)/],
    ['a user without a name', { type: 'IAMUser' }, /names no user/],
    ['a name with spaces and quotes', anIamUser('ana"; drop table'), /no usable principal/],
    ['a huge name', anIamUser('a'.repeat(10_000)), /no usable principal/],
  ])('refuses %s with a reason', (_label, identity, reason) => {
    const result = callerOfIdentity(identity, '123456789012');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason.length).toBeLessThan(200);
    }
  });

  it('drops a session name it cannot keep, and keeps the role', () => {
    expect(callerOfIdentity(anAssumedRole('etl', 'bad session name'))).toEqual({
      ok: true,
      caller: { principal: 'role/etl' },
    });
  });
});

describe('parseIngestMessage', () => {
  it('reads the sample CloudTrail record: the query id and its caller, never the query text', () => {
    const parsed = parseIngestMessage(SAMPLE);
    expect(parsed).toEqual({
      ok: true,
      message: {
        kind: 'query-started',
        started: {
          started: true,
          queryExecutionId: ID,
          caller: { principal: 'role/dbt-runner', detail: 'dbt-nightly-20261125' },
        },
      },
    });
  });

  it('still reads state changes', () => {
    const parsed = parseIngestMessage(JSON.stringify(aStateChangeEvent(ID)));
    expect(parsed.ok && parsed.message.kind).toBe('state-change');
  });

  it('reads a refused call as no query', () => {
    const event = aQueryStartedEvent(ID);
    const detail = event.detail as Record<string, unknown>;
    detail.errorCode = 'TooManyRequestsException';
    detail.responseElements = null;
    expect(parseIngestMessage(JSON.stringify(event))).toEqual({
      ok: true,
      message: {
        kind: 'query-started',
        started: { started: false, errorCode: 'TooManyRequestsException' },
      },
    });
  });

  it.each([
    [
      'another API call',
      (detail: Record<string, unknown>) =>
        Object.assign(detail, { eventName: 'StopQueryExecution' }),
      /eventName/,
    ],
    [
      'another service',
      (detail: Record<string, unknown>) =>
        Object.assign(detail, { eventSource: 'glue.amazonaws.com' }),
      /eventSource/,
    ],
    [
      'no query id',
      (detail: Record<string, unknown>) => Object.assign(detail, { responseElements: {} }),
      /queryExecutionId is missing/,
    ],
    [
      'a query id that is no id',
      (detail: Record<string, unknown>) =>
        Object.assign(detail, { responseElements: { queryExecutionId: '../x' } }),
      /not a query execution id/,
    ],
    [
      'no identity',
      (detail: Record<string, unknown>) => Object.assign(detail, { userIdentity: 'x' }),
      /userIdentity/,
    ],
  ])('rejects %s with a reason', (_label, change, reason) => {
    const event = aQueryStartedEvent(ID);
    change(event.detail as Record<string, unknown>);
    const parsed = parseIngestMessage(JSON.stringify(event));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
