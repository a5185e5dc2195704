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
    // Vitest's default is one fork per core minus one: a single fork, files one after another, on the
    // 2-core CI machine. Much of a file's time uses one core (a single-threaded wasm fit, a CLI child
    // process or an oracle starting): two suites sharing 2 cores slowed each file only 1.1-1.35x.
    // `--maxWorkers=1` on the command line still runs them one at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
