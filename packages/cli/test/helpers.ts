import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runChild } from '../../../test-support/child.js';
import { pythonText } from '../../../test-support/python.js';

export const BIN = resolve(__dirname, '../dist/bin.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cvc` as a child process without blocking the vitest worker (a blocked worker misses vitest's
 * 60 s RPC timeout); several may run at once, or beside a server in this process. `replaceEnv` is the
 * whole environment (nothing inherited).
 */
export async function cvc(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; replaceEnv?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const r = await runChild(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? resolve(__dirname, '../../..'),
    env: opts.replaceEnv ?? { ...process.env, ...opts.env },
    timeoutMs: 900_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A project folder with configs/cvc.yaml holding `yaml`; outputs go to its data/. */
export function project(yaml: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-cli-'));
  mkdirSync(join(dir, 'configs'));
  const config = join(dir, 'configs', 'cvc.yaml');
  writeFileSync(config, yaml);
  return { dir, config };
}

/** Runs a Python snippet (the delta-rs oracle) and returns its stdout. */
export const python = (code: string): Promise<string> => pythonText(code);

/**
 * Rows of a Delta table read by delta-rs (the forecast columns `run_id` and `created_at` dropped unless
 * kept), sorted by `keys`; doubles as Python's repr (round-trips exactly), so equal lists mean equal bits.
 */
export async function deltaRows(
  table: string,
  keys: string[],
  opts: { keep?: string[]; storageOptions?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const drop = ['run_id', 'created_at'].filter((c) => !(opts.keep ?? []).includes(c));
  const out = await python(`
import json
from deltalake import DeltaTable
df = DeltaTable(${JSON.stringify(table)}, storage_options=${JSON.stringify(opts.storageOptions ?? {})}).to_pandas()
df = df.drop(columns=[c for c in ${JSON.stringify(drop)} if c in df.columns])
for c in df.columns:
    if str(df[c].dtype).startswith("float"):
        df[c] = df[c].map(lambda v: repr(float(v)))
    else:
        df[c] = df[c].astype(str)
df = df.sort_values(${JSON.stringify(keys)})
print(json.dumps(df.to_dict(orient="records")))`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>[];
}
