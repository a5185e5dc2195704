// Bad usage, config and input: one line naming the problem, exit 2, no stack trace.
import { describe, expect, it } from 'vitest';
import { cvc, project } from './helpers.js';

function expectOneLine(stderr: string, pattern: RegExp) {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('cvc usage errors', () => {
  it('explains every command and flag with its default', () => {
    const top = cvc(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['ingest', 'backtest', 'train', 'infer', 'demo']) expect(top.stdout).toContain(c);
    const infer = cvc(['infer', '--help']);
    expect(infer.code).toBe(0);
    expect(infer.stdout).toContain('--horizon');
    expect(infer.stdout).toMatch(/Exit codes: 0/);
    expect(cvc(['demo', '--help']).stdout).toContain('default: config demo.stores, 150');
  });

  it('exits 2 on an unknown command or flag, or a bad flag value', () => {
    expect(cvc(['bogus']).code).toBe(2);
    const flag = cvc(['ingest', '--nope']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--nope'");
    const value = cvc(['backtest', '--folds', 'zero']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--folds expects a positive integer, got "zero"');
    expect(cvc(['backtest', '--models', 'lgbm,prophet']).code).toBe(2);
  });

  it('exits 2 with one line for a missing config, invalid YAML and a schema violation', () => {
    const missing = cvc(['--config', '/nowhere/cvc.yaml', 'ingest']);
    expect(missing.code).toBe(2);
    expectOneLine(missing.stderr, /cvc: \/nowhere\/cvc\.yaml: config file not found/);
    const yaml = project('forecast: [1,\n');
    const bad = cvc(['--config', yaml.config, 'ingest']);
    expect(bad.code).toBe(2);
    expectOneLine(bad.stderr, /invalid YAML at line/);
    const schema = project('forecast:\n  horizon: -3\n');
    const s = cvc(['--config', schema.config, 'ingest']);
    expect(s.code).toBe(2);
    expectOneLine(s.stderr, /forecast\.horizon: expected .*found -3/);
  });

  it('exits 2 for an unwritable data directory', () => {
    const p = project('lake:\n  root: /dev/null/lake\n');
    const r = cvc(['--config', p.config, 'ingest']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /data directory \/dev\/null .*is not writable/);
  });

  it('prints a stack trace only with --log-level debug', () => {
    const p = project('lake:\n  root: ../data/lake\n');
    const r = cvc(['--config', p.config, '--log-level', 'debug', 'backtest']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the feature table does not exist; run `cvc ingest` first/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
