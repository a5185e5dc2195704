import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pythonText } from '../../../test-support/python.js';

export const BIN = resolve(__dirname, '../dist/bin.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function cvc(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? resolve(__dirname, '../../..'),
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: 900_000,
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
export const python = (code: string): string => pythonText(code);

/**
 * `cvc` as a child process that runs alongside others (several shards at once), or beside a server in this
 * process; `replaceEnv` is its whole environment (nothing inherited).
 */
export function cvcAsync(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; replaceEnv?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((done) => {
    const env = opts.replaceEnv ?? { ...process.env, ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Rows of a Delta table read by delta-rs (the forecast columns `run_id` and `created_at` dropped unless
 * kept), sorted by `keys`; doubles as Python's repr (round-trips exactly), so equal lists mean equal bits.
 */
export function deltaRows(
  table: string,
  keys: string[],
  opts: { keep?: string[]; storageOptions?: Record<string, string> } = {},
): Record<string, unknown>[] {
  const drop = ['run_id', 'created_at'].filter((c) => !(opts.keep ?? []).includes(c));
  const out = python(`
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
