import { describe, expect, it } from 'vitest';
import { parseQueryStateChange } from '../../lib/events/query-state-change.js';
import { aStateChangeEvent } from '../support/factories.js';

describe('parseQueryStateChange', () => {
  it('accepts the documented sample event', () => {
    const body =
      '{"version":"0","id":"f8e5a5b0-0000-0000-0000-000000000000","detail-type":"Athena Query State Change","source":"aws.athena","account":"123456789012","time":"2019-10-06T09:30:10Z","region":"us-east-1","resources":[],"detail":{"versionId":"0","currentState":"SUCCEEDED","previousState":"RUNNING","statementType":"DDL","queryExecutionId":"01234567-0123-0123-0123-012345678901","workgroupName":"primary","sequenceNumber":"3"}}';
    const parsed = parseQueryStateChange(body);
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        detail: {
          queryExecutionId: '01234567-0123-0123-0123-012345678901',
          currentState: 'SUCCEEDED',
        },
      },
    });
  });

  it('tolerates fields AWS may add', () => {
    const event = aStateChangeEvent('01234567-0123-0123-0123-012345678901');
    const parsed = parseQueryStateChange(
      JSON.stringify({
        ...event,
        newTopLevel: 1,
        detail: { ...(event.detail as object), newField: 'x' },
      }),
    );
    expect(parsed.ok).toBe(true);
  });

  it('says why a body is not JSON without repeating any of its text', () => {
    const parsed = parseQueryStateChange(
      '{"detail":{"requestParameters":{"queryString":SELECT ssn FROM people}}}',
    );
    expect(parsed).toEqual({ ok: false, reason: "body is not JSON: Unexpected token 'S'" });
    expect(parseQueryStateChange('{"a": 1')).toMatchObject({
      reason: expect.stringMatching(/^body is not JSON: \S/),
    });
  });

  it.each([
    ['malformed JSON', '{not json', /^body is not JSON/],
    ['a JSON array', '[]', /the event must be a JSON object/],
    [
      'another source',
      JSON.stringify({ ...aStateChangeEvent('q-1'), source: 'aws.glue' }),
      /^source: source must be aws.athena$/,
    ],
    [
      'another detail-type',
      JSON.stringify({ ...aStateChangeEvent('q-1'), 'detail-type': 'Glue Job State Change' }),
      /^detail-type:/,
    ],
    [
      'a missing query id',
      JSON.stringify({ ...aStateChangeEvent('q-1'), detail: { currentState: 'SUCCEEDED' } }),
      /^detail.queryExecutionId: detail.queryExecutionId is missing$/,
    ],
    [
      'a query id that is no id',
      JSON.stringify(aStateChangeEvent('../../etc/passwd')),
      /not a query execution id/,
    ],
    [
      'a missing state',
      JSON.stringify({ ...aStateChangeEvent('q-1'), detail: { queryExecutionId: 'q-1' } }),
      /currentState is missing/,
    ],
  ])('rejects %s with a reason', (_label, body, reason) => {
    const parsed = parseQueryStateChange(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
