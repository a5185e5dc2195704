import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
export function python(code: string): string {
  // delta-rs can abort while Python tears down after the work is done; leave without the teardown.
  const guarded = `${code}\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n`;
  const r = spawnSync('python3', ['-c', guarded], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
}
