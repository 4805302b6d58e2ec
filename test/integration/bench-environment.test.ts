import { describe, expect, it } from 'vitest';
import { benchReferenceValues } from '../../bench/environment.js';
import { functionEnvironment, readServerlessConfig } from '../../bench/serverless-config.js';

describe('the bench environment', () => {
  it('resolves every reference in the environment of each function serverless.yml declares', async () => {
    // Prepare
    const config = await readServerlessConfig();
    const references = benchReferenceValues('bench-table', 'arn:aws:sns:us-east-1:123456789012:t');

    // Act
    const environments = Object.keys(config.functions).map((name) => ({
      name,
      env: functionEnvironment(config, name, references),
    }));

    // Assess
    expect(environments.length).toBeGreaterThan(1);
    for (const { env } of environments) expect(env.TABLE_NAME).toBe('bench-table');
    expect(environments.find(({ name }) => name === 'digest')?.env.DLQ_URL).toMatch(
      /^http:\/\/127\.0\.0\.1/,
    );
  }, 60_000);
});
