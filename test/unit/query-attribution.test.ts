import { describe, expect, it } from 'vitest';
import {
  countedAttributions,
  MAX_TAGS_PER_QUERY,
  parseQueryAttribution,
} from '../../lib/usage/query-attribution.js';

/** The comment dbt-core's default query_comment macro prepends, as dbt-athena sends it. */
const DBT_COMMENT =
  '/* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "lake", "target_name": "prod", ' +
  '"node_id": "model.jaffle_shop.orders"} */';

describe('parseQueryAttribution', () => {
  it('reads the dbt model and target from dbt-core’s default query comment', () => {
    const attribution = parseQueryAttribution({
      Query: `${DBT_COMMENT}\ncreate table "lake"."orders__dbt_tmp" as select 1`,
      QueryExecutionContext: { Catalog: 'awsdatacatalog', Database: 'lake' },
    });
    expect(attribution).toEqual({
      dbtModel: 'model.jaffle_shop.orders',
      dbtTarget: 'prod',
      dbtInvocation: undefined,
      catalog: 'awsdatacatalog',
      database: 'lake',
      tags: {},
    });
  });

  it('reads an invocation id a custom query_comment adds, and an appended comment', () => {
    const comment =
      '/* {"app": "dbt", "target_name": "dev", "invocation_id": "6f1c2a9e-0d1b-4c3e-9a51-2f7b0c6d8e41", "node_id": "test.shop.not_null_orders_id.1a2b"} */';
    const attribution = parseQueryAttribution({ Query: `select 1\n${comment}` });
    expect(attribution.dbtModel).toBe('test.shop.not_null_orders_id.1a2b');
    expect(attribution.dbtInvocation).toBe('6f1c2a9e-0d1b-4c3e-9a51-2f7b0c6d8e41');
  });

  it('ignores block comments that are not dbt’s, and reads dbt’s after them', () => {
    const attribution = parseQueryAttribution({
      Query: `/* plain */ /* {"app": "superset", "node_id": "x"} */ ${DBT_COMMENT} select 1`,
    });
    expect(attribution.dbtModel).toBe('model.jaffle_shop.orders');
  });

  it('reads -- athena-cost: tags anywhere in the text, the first of a key winning', () => {
    const attribution = parseQueryAttribution({
      Query:
        'select *\nfrom sales -- athena-cost: team=finance job=daily-revenue\n' +
        '--athena-cost: team=marketing owner=ana@example.com\n',
    });
    expect(attribution.tags).toEqual({
      team: 'finance',
      job: 'daily-revenue',
      owner: 'ana@example.com',
    });
    expect(countedAttributions(attribution)).toEqual([
      { key: 'tag:team', value: 'finance' },
      { key: 'tag:job', value: 'daily-revenue' },
      { key: 'tag:owner', value: 'ana@example.com' },
    ]);
  });

  it('drops tag keys and values that break the convention', () => {
    const attribution = parseQueryAttribution({
      Query:
        "-- athena-cost: Team=x team= =y job=a;drop cost=O'Brien __proto__=1 k=" +
        `${'v'.repeat(65)} ok=yes`,
    });
    expect(attribution.tags).toEqual({ ok: 'yes' });
  });

  it(`keeps at most ${MAX_TAGS_PER_QUERY} tags`, () => {
    const pairs = Array.from({ length: 12 }, (_, index) => `k${index}=v${index}`).join(' ');
    const attribution = parseQueryAttribution({ Query: `-- athena-cost: ${pairs}` });
    expect(Object.keys(attribution.tags)).toHaveLength(MAX_TAGS_PER_QUERY);
  });

  describe('hostile input', () => {
    it('gives nothing for an unbalanced block comment, without throwing', () => {
      const attribution = parseQueryAttribution({
        Query: '/* {"app": "dbt", "node_id": "model.a.b"} select 1',
      });
      expect(attribution.dbtModel).toBeUndefined();
    });

    it('ignores a dbt comment over 16 KiB and many markers without a tag', () => {
      const huge = `/* {"app": "dbt", "node_id": "model.a.b", "pad": "${'x'.repeat(20_000)}"} */`;
      const text = `${huge}${'/* */'.repeat(50_000)}${'-- athena-cost: '.repeat(10_000)}`;
      const attribution = parseQueryAttribution({ Query: text });
      expect(attribution.dbtModel).toBeUndefined();
      expect(attribution.tags).toEqual({});
    });

    it('keeps no dbt field that is not a plain name (quotes, spaces, SQL)', () => {
      const attribution = parseQueryAttribution({
        Query:
          '/* {"app": "dbt", "node_id": "model.a.b\'; DROP TABLE x; --", "target_name": "<script>"} */',
        QueryExecutionContext: { Catalog: 'bad catalog', Database: 'db"x' },
      });
      expect(attribution).toMatchObject({
        dbtModel: undefined,
        dbtTarget: undefined,
        catalog: undefined,
        database: undefined,
      });
    });

    it('reads no JSON that is not an object and no comment without app dbt', () => {
      for (const query of ['/* ["app","dbt"] */', '/* {"node_id": "model.a.b"} */', '/* {bad */']) {
        expect(parseQueryAttribution({ Query: query }).dbtModel).toBeUndefined();
      }
    });

    it('gives an empty attribution without SQL text', () => {
      expect(parseQueryAttribution({})).toEqual({
        dbtModel: undefined,
        dbtTarget: undefined,
        dbtInvocation: undefined,
        catalog: undefined,
        database: undefined,
        tags: {},
      });
    });
  });
});
