import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ TABLE_NAME: 'athena-cost-dev' })).toEqual({
      tableName: 'athena-cost-dev',
      metricsNamespace: 'AthenaCostMonitor',
      pricing: { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 },
      queryRecordTtlDays: 400,
      budgetCacheSeconds: 30,
      attributionValuesPerDay: 100,
      attributePrincipals: false,
      redactedSqlChars: 0,
      alertsTopicArn: undefined,
    });
  });

  it('reads prices and settings from the environment', () => {
    const config = loadConfig({
      TABLE_NAME: 't',
      METRICS_NAMESPACE: 'Custom/Athena',
      PRICE_PER_DPU_HOUR_USD: '0.35',
      PRICE_PER_TB_SCANNED_USD: '6.25',
      QUERY_RECORD_TTL_DAYS: '30',
      BUDGET_CACHE_SECONDS: '0',
      ATTRIBUTE_PRINCIPALS: 'true',
      ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
    });
    expect(config).toMatchObject({
      metricsNamespace: 'Custom/Athena',
      pricing: { pricePerDpuHourUsd: 0.35, pricePerTbScannedUsd: 6.25 },
      queryRecordTtlDays: 30,
      budgetCacheSeconds: 0,
      attributePrincipals: true,
      alertsTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    });
  });

  it('treats an empty ALERTS_TOPIC_ARN as unset, as serverless leaves it in local runs', () => {
    expect(loadConfig({ TABLE_NAME: 't', ALERTS_TOPIC_ARN: '' }).alertsTopicArn).toBeUndefined();
  });

  it('names every bad variable at once', () => {
    const load = () =>
      loadConfig({
        METRICS_NAMESPACE: 'AWS/Athena',
        PRICE_PER_DPU_HOUR_USD: '-1',
        QUERY_RECORD_TTL_DAYS: '1.5',
        ATTRIBUTE_PRINCIPALS: 'yes',
        REDACTED_SQL_CHARS: '5000',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/TABLE_NAME: TABLE_NAME is required/);
    expect(load).toThrow(/METRICS_NAMESPACE must not start with AWS\//);
    expect(load).toThrow(/PRICE_PER_DPU_HOUR_USD must be positive/);
    expect(load).toThrow(/QUERY_RECORD_TTL_DAYS must be a whole number/);
    expect(load).toThrow(/ATTRIBUTE_PRINCIPALS must be true or false/);
    expect(load).toThrow(/REDACTED_SQL_CHARS must be at most 2000/);
  });
});
