import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores: integration files share one DynamoDB Local and must not starve it.
    maxWorkers: 2,
    testTimeout: 30_000,
    // `npm run coverage`: the shipped code, as exercised in this process (the CLI and bundle
    // runs in child processes are not counted).
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts', 'cli/**/*.ts', 'functions/**/*.ts'],
      reporter: ['text-summary', 'html'],
    },
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // The SDK's notice that Node.js 20 support ends; Lambda runs Node.js 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      {
        // Pure code, adapters against aws-sdk-client-mock and the CLI in memory: no Java, no
        // DynamoDB Local, no child processes (`npm run test:unit`).
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        // The real handlers and CLI against DynamoDB Local (Java 17) and the local stand-ins.
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
