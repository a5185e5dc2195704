// The outside programs tests check cvc against (oracles). After `npm run setup:test` every one is
// present, so a missing oracle fails the test file that needs it, naming the fix. The one way to run
// without one is explicit: CVC_SKIP_ORACLES=spark,mlflow (or "all") skips those tests and says so.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './child.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

type Env = NodeJS.ProcessEnv;

/** Runs a probe command; throws its first stderr line when it fails. Asynchronous: `import mlflow`
 * alone takes seconds under load, and a blocked vitest worker misses vitest's RPC timeout. */
async function run(env: Env, command: string, args: string[]): Promise<string> {
  const r = await runChild(command, args, { env });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  return r.stdout.trim();
}

const python = (env: Env, code: string) => run(env, 'python3', ['-c', code]);

/** Each oracle's probe: throws (or returns a reason) when it is not usable. */
const PROBES = {
  'delta-rs': async (env: Env) => void (await python(env, 'import deltalake, pyarrow')),
  'python-lightgbm': async (env: Env) => {
    const v = await python(env, 'import lightgbm; print(lightgbm.__version__)');
    // The binding vendors LightGBM 4.1.0's C++: only that Python version is a fair cross-check.
    if (!v.startsWith('4.1.')) return `Python lightgbm is ${v}, the cross-check needs 4.1.x`;
    return undefined;
  },
  mlflow: async (env: Env) => void (await python(env, 'import mlflow')),
  chromium: async (env: Env) => void (await run(env, 'chromium', ['--version'])),
  spark: async (env: Env) => {
    await python(env, 'import pyspark, delta, deltalake');
    await run(env, 'java', ['-version']);
  },
  dist: async () => {
    const bin = join(root, 'packages/cli/dist/bin.js');
    return existsSync(bin) ? undefined : `${bin} is not built (npm run build)`;
  },
} satisfies Record<string, (env: Env) => Promise<string | undefined | void>>;

export type OracleName = keyof typeof PROBES;

/** Oracles the run opted out of: CVC_SKIP_ORACLES is a comma-separated list, or "all". */
export function skippedOracles(env: Env = process.env): Set<string> {
  const names = (env['CVC_SKIP_ORACLES'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (n !== 'all' && !(n in PROBES)) {
      throw new Error(`CVC_SKIP_ORACLES: unknown oracle "${n}"; known: ${Object.keys(PROBES).join(', ')}, all`);
    }
  }
  return new Set(names.includes('all') ? Object.keys(PROBES) : names);
}

/**
 * Whether tests that need `name` run: true when it is present; false (printed) when CVC_SKIP_ORACLES
 * names it; otherwise a missing oracle rejects, which fails the test file at collection
 * (`describe.skipIf(!(await useOracle('mlflow')))` at the file's top level).
 */
export async function useOracle(name: OracleName, env: Env = process.env): Promise<boolean> {
  if (skippedOracles(env).has(name)) {
    process.stderr.write(`oracles: skipping the tests that need ${name} (CVC_SKIP_ORACLES)\n`);
    return false;
  }
  let reason: string | undefined | void;
  try {
    reason = await PROBES[name](env);
  } catch (e) {
    reason = ((e as Error).message ?? String(e)).split('\n')[0];
  }
  if (reason) {
    throw new Error(
      `oracle ${name} is missing: ${reason}. Run \`npm run setup:test\`, ` +
        `or set CVC_SKIP_ORACLES=${name} to skip its tests`,
    );
  }
  return true;
}
