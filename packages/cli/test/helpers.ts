import { spawnSync } from 'node:child_process';
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
