import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: { POWERTOOLS_DEV: 'true', AWS_REGION: 'us-east-1' },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
