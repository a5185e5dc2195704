import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their "source" export condition, so they run on
// TypeScript sources without a build; the CLI and worker threads run from dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    pool: 'forks',
    // Two files at a time even on the 2-core CI machine (vitest's default there, cores - 1, is one):
    // most files wait on child processes (the CLI, Python oracles, Azurite, Spark). Tests run every
    // child process asynchronously (test-support/child.ts): a worker blocked in a synchronous one
    // misses vitest's fixed 60 s worker RPC timeout ("Timeout calling onTaskUpdate"), which fails the run.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
