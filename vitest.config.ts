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
    // 2-core CI machine. Most of a file's time is one busy core (a single-threaded wasm fit, a CLI child
    // process starting, a Python oracle or MLflow server starting), so two files at once fill both cores.
    // `--maxWorkers=1` on the command line still runs them one at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
