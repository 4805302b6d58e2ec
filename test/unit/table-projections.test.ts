import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { totalsFromItem } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { TOP_QUERY_ATTRIBUTES } from '../../lib/store/dynamodb-usage-report-source.js';

interface Index {
  readonly IndexName: string;
  readonly KeySchema: readonly { readonly AttributeName: string }[];
  readonly Projection: { readonly ProjectionType: string; readonly NonKeyAttributes?: string[] };
}

const table = JSON.parse(
  readFileSync(new URL('../../resources/table.json', import.meta.url), 'utf8'),
) as { KeySchema: { AttributeName: string }[]; GlobalSecondaryIndexes: Index[] };

/** What a Query on the index returns: table keys, index keys and the projected attributes. */
function readable(indexName: string): Set<string> {
  const index = table.GlobalSecondaryIndexes.find((candidate) => candidate.IndexName === indexName);
  if (!index) throw new Error(`no index ${indexName} in resources/table.json`);
  expect(index.Projection.ProjectionType).toBe('INCLUDE');
  return new Set([
    ...table.KeySchema.map((key) => key.AttributeName),
    ...index.KeySchema.map((key) => key.AttributeName),
    ...(index.Projection.NonKeyAttributes ?? []),
  ]);
}

/** Projected attributes that are not keys: each is stored, and written, a second time. */
function projectedOnly(indexName: string): string[] {
  const index = table.GlobalSecondaryIndexes.find((candidate) => candidate.IndexName === indexName);
  return [...(index?.Projection.NonKeyAttributes ?? [])].sort();
}

describe('resources/table.json index projections', () => {
  it('byWorkgroupDayCost projects exactly what the top-query report reads', () => {
    const attributes = readable('byWorkgroupDayCost');
    for (const name of TOP_QUERY_ATTRIBUTES) expect(attributes, name).toContain(name);
    const keys = ['workgroupDay', 'costUsd'];
    expect(projectedOnly('byWorkgroupDayCost')).toEqual(
      TOP_QUERY_ATTRIBUTES.filter((name) => !keys.includes(name)).sort(),
    );
  });

  it('byPeriod projects exactly the counter totals the reports read', () => {
    const totals = Object.keys(totalsFromItem({}));
    const attributes = readable('byPeriod');
    for (const name of totals) expect(attributes, name).toContain(name);
    expect(projectedOnly('byPeriod')).toEqual([...totals].sort());
  });
});
