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
    // Generous: the shared 2-core build machines run tests at load averages of 20-30, where a test that
    // starts a few CLI or Python processes has taken over 120 s. A hung test still fails.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
