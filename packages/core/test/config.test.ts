import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../src/index.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-config-'));
  const p = join(dir, 'cvc.yaml');
  writeFileSync(p, text);
  return p;
}

describe('config', () => {
  it('fills every default from the one schema', () => {
    const c = parseConfig({});
    expect(c.forecast).toEqual({ horizon: 35, context: 90, seed: 42 });
    expect(c.backtest.models).toEqual(['lgbm', 'nbeats', 'tft']);
    expect(c.lake.tables.forecasts).toBe('bip_vprevisao_lojas_futuro');
  });

  it('loads the shipped default and resolves paths against the config directory', () => {
    const loaded = loadConfig(resolve(__dirname, '../../../configs/cvc.yaml'));
    expect(loaded.paths.lake).toBe(resolve(__dirname, '../../../data/lake'));
    expect(loaded.config.source.kind).toBe('duckdb');
  });

  it('parses the production example once its secrets are in the environment', () => {
    const file = resolve(__dirname, '../../../configs/azure.example.yaml');
    const env = { CVC_SQL_USER: 'svc', CVC_SQL_PASSWORD: 'pw-123456', DATABRICKS_TOKEN: 'dapi-abc' };
    const loaded = loadConfig(file, env);
    expect(loaded.config.source.kind).toBe('mssql');
    expect(loaded.config.source.mssql?.password).toBe('pw-123456');
    expect(loaded.config.tracking.token).toBe('dapi-abc');
    expect(() => loadConfig(file, {})).toThrow(/source\.mssql\.user: environment variable CVC_SQL_USER is not set/);
  });

  it('interpolates ${ENV} for secrets and names the key of a missing variable', () => {
    const raw = { source: { kind: 'mssql', mssql: { server: 's', database: 'd', user: 'u', password: '${CVC_SQL_PASSWORD}' } } };
    expect(parseConfig(raw, 'x.yaml', { CVC_SQL_PASSWORD: 'p4ss!' }).source.mssql?.password).toBe('p4ss!');
    expect(() => parseConfig(raw, 'x.yaml', {})).toThrow(/x\.yaml: source\.mssql\.password: environment variable CVC_SQL_PASSWORD is not set/);
    expect(parseConfig({ tracking: { uri: '${NOPE:-}' } }, 'x', {}).tracking.uri).toBe('');
  });

  it('reports a schema violation with key path, expectation and what was found', () => {
    const p = file('forecast:\n  horizon: "soon"\n');
    expect(() => loadConfig(p)).toThrow(ConfigError);
    expect(() => loadConfig(p)).toThrow(/forecast\.horizon: expected number, .*found "soon"/);
    expect(() => loadConfig(file('forecast:\n  horizn: 3\n'))).toThrow(/forecast\.horizn: expected no such key \(a typo\?\), found 3/);
    expect(() => loadConfig(file('source:\n  tables:\n    sales: "x; drop table y"\n'))).toThrow(/source\.tables\.sales: expected a SQL name/);
  });

  it('reports invalid YAML with its line and a missing file by name', () => {
    expect(() => loadConfig(file('forecast:\n  horizon: [1,\n'))).toThrow(/invalid YAML at line \d+/);
    expect(() => loadConfig('/nope/cvc.yaml')).toThrow('/nope/cvc.yaml: config file not found');
  });
});
