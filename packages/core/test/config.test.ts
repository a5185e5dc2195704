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
    const raw = {
      source: { kind: 'mssql', mssql: { server: 's', database: 'd', user: 'u', password: '${CVC_SQL_PASSWORD}' } },
    };
    expect(parseConfig(raw, 'x.yaml', { CVC_SQL_PASSWORD: 'p4ss!' }).source.mssql?.password).toBe('p4ss!');
    expect(() => parseConfig(raw, 'x.yaml', {})).toThrow(
      /x\.yaml: source\.mssql\.password: environment variable CVC_SQL_PASSWORD is not set/,
    );
    expect(parseConfig({ tracking: { uri: '${NOPE:-}' } }, 'x', {}).tracking.uri).toBe('');
  });

  it('reports a schema violation with key path, expectation and what was found', () => {
    const p = file('forecast:\n  horizon: "soon"\n');
    expect(() => loadConfig(p)).toThrow(ConfigError);
    expect(() => loadConfig(p)).toThrow(/forecast\.horizon: expected number, .*found "soon"/);
    expect(() => loadConfig(file('forecast:\n  horizn: 3\n'))).toThrow(
      /forecast\.horizn: expected no such key \(a typo\?\), found 3/,
    );
    expect(() => loadConfig(file('source:\n  tables:\n    sales: "x; drop table y"\n'))).toThrow(
      /source\.tables\.sales: expected a SQL name/,
    );
  });

  it('reports invalid YAML with its line and a missing file by name', () => {
    expect(() => loadConfig(file('forecast:\n  horizon: [1,\n'))).toThrow(/invalid YAML at line \d+/);
    expect(() => loadConfig('/nope/cvc.yaml')).toThrow('/nope/cvc.yaml: config file not found');
  });

  it('never echoes a value from ${...} or under a secret-like key in a schema error', () => {
    const secret = 'S3cr3tPW-7781xq';
    const env = { PW: secret };
    const mssql = (extra: Record<string, unknown>) => ({
      source: { kind: 'mssql', mssql: { server: 's', database: 'd', ...extra } },
    });
    const cases: [unknown, RegExp][] = [
      [mssql({ passwrd: '${PW}' }), /source\.mssql\.passwrd: expected no such key .*found a string \(from \$\{PW\}/],
      [mssql({ port: '${PW}' }), /source\.mssql\.port: expected a number, found text from \$\{PW\} that is not one/],
      [{ source: { msql: { password: '${PW}' } } }, /source\.msql: expected no such key .*a map \(from \$\{PW\}, not/],
      [{ source: { msql: { password: secret } } }, /source\.msql: expected no such key .*a map \(a secret, not/],
      [mssql({ password: [secret] }), /source\.mssql\.password: expected string.*found a list \(a secret, not shown\)/],
      [{ tracking: { uri: 'http://u:${PW}@h', experiment: ['${PW}'] } }, /tracking\.experiment: .*\(from \$\{PW/],
    ];
    for (const [raw, message] of cases) {
      let text = '';
      try {
        parseConfig(raw, 'x.yaml', env);
      } catch (err) {
        text = (err as Error).message;
      }
      expect(text).toMatch(message);
      expect(text).not.toContain(secret);
    }
  });

  it('reads ${ENV} as a number or boolean where the schema wants one', () => {
    const raw = {
      forecast: { horizon: '${HZ}', context: '${CTX:-60}' },
      ingest: { strict: '${STRICT}' },
      backtest: { tieTolerance: '${TOL}' },
    };
    const c = parseConfig(raw, 'x.yaml', { HZ: '14', STRICT: 'TRUE', TOL: '2.5e-2' });
    expect(c.forecast).toMatchObject({ horizon: 14, context: 60 });
    expect(c.ingest.strict).toBe(true);
    expect(c.backtest.tieTolerance).toBe(0.025);
    // Text stays text where the schema wants text, even if it looks like a number.
    const withPassword = { source: { kind: 'mssql', mssql: { server: 's', database: 'd', password: '${PW}' } } };
    const pw = parseConfig(withPassword, 'x', { PW: '12345' });
    expect(pw.source.mssql?.password).toBe('12345');
    const parse = (env: Record<string, string>) => () =>
      parseConfig(raw, 'x.yaml', { STRICT: 'true', TOL: '0', HZ: '1', ...env });
    expect(parse({ HZ: 'soon' })).toThrow(/x\.yaml: forecast\.horizon: expected a number, found text from \$\{HZ\}/);
    expect(parse({ STRICT: 'yes please' })).toThrow(/ingest\.strict: expected true or false/);
    expect(parse({ HZ: '3.5' })).toThrow(/forecast\.horizon: expected int/);
  });

  it('refuses registry names that are not a plain directory name, naming the key', () => {
    for (const name of ['..', '.', '.hidden', 'a/b', 'a..b', '']) {
      const parse = () => parseConfig({ registry: { name } }, 'x.yaml');
      expect(parse, name).toThrow(/x\.yaml: registry\.name: expected a registry name/);
    }
    expect(parseConfig({ registry: { name: 'sales-forecaster_v2.1' } }).registry.name).toBe('sales-forecaster_v2.1');
  });

  it('refuses impossible calendar days in config dates', () => {
    const parse = () => parseConfig({ demo: { asOf: '2021-02-30' } }, 'x.yaml');
    expect(parse).toThrow(/demo\.asOf: expected a real calendar day/);
    expect(parseConfig({ demo: { asOf: '2024-02-29' } }).demo.asOf).toBe('2024-02-29');
  });
});
