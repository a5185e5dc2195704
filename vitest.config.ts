import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their "source" export condition, so they run on
// TypeScript sources without a build; the CLI and worker threads run from dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
