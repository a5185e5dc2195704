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
    // One fork on the 2-core CI machine (vitest's default, cores - 1). Two files at a time measured
    // about 0.55x the wall time, but a file's long synchronous step (a child process, an oracle) then
    // ran past vitest's 60 s worker RPC timeout ("Timeout calling onTaskUpdate") in 3 of 3 full runs.
    maxWorkers: Math.max(1, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
