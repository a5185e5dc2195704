// `cvc monitor` from the built CLI on a small real lake: the JSON summary carries the alerts, and
// --fail-on alert turns them into exit 4 (never: exit 0).
import { beforeAll, describe, expect, it } from 'vitest';
import { cvc, project } from './helpers.js';
import { testLake } from '../../monitor/test/lake.js';

let config: string;

describe('cvc monitor', () => {
  beforeAll(async () => {
    const lake = await testLake();
    await lake.addActuals('2025-01-01', '2025-03-01');
    for (const a of ['2025-03-01', '2025-03-02'])
      await lake.addForecasts(a, [1, 2, 3, 4], (s) => (s === 3 ? 0.4 : 0.02));
    await lake.addActuals('2025-03-02', '2025-03-12');
    config = lake.loaded.file;
  }, 120_000);

  it('reports alerts as JSON and exits 0 by default, 4 with --fail-on alert', async () => {
    const ok = await cvc(['--config', config, '--json', 'monitor', '--today', '2025-03-13']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout) as {
      command: string;
      added: number;
      alerts: Array<{ kind: string; stores: string[] }>;
    };
    expect(doc.command).toBe('monitor');
    expect(doc.added).toBe(4 * (11 + 10));
    expect(doc.alerts.find((a) => a.kind === 'accuracy_drift')?.stores).toEqual(['3']);
    const failed = await cvc(['--config', config, 'monitor', '--today', '2025-03-13', '--fail-on', 'alert']);
    expect(failed.code).toBe(4);
    expect(failed.stdout).toMatch(/ALERT accuracy_drift: .*\[3\]/);
    expect(failed.stderr).toMatch(/alert\(s\) fired: .*accuracy_drift/);
    expect((await cvc(['--config', config, 'monitor', '--fail-on', 'sometimes'])).code).toBe(2);
  });
});

describe('cvc daily', () => {
  it(
    "explains its exit codes, and exits with ingest's code when ingest fails " +
      'and the lake has no data to fall back on',
    async () => {
      const help = await cvc(['daily', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(
        new RegExp(
          'Exit codes: 0 ok; 1 a step failed; 2 .*; 3 another daily run held the lock; ' +
            '4 alerts fired with --fail-on alert',
        ),
      );
      const p = project('source: { duckdb: { path: ../nowhere/source.duckdb } }\n');
      const r = await cvc(['--config', p.config, '--json', 'daily', '--today', '2025-07-01']);
      const doc = JSON.parse(r.stdout) as {
        exitCode: number;
        steps: Array<{ step: string; outcome: string; exitCode?: number }>;
        alerts: Array<{ kind: string }>;
      };
      expect(doc.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(['ingest:failed', 'infer:skipped', 'monitor:ok']);
      expect(r.code).toBe(doc.steps[0]!.exitCode);
      expect(r.code).toBe(doc.exitCode);
      expect([1, 2]).toContain(r.code);
      expect(doc.alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['ingest_failed', 'stale_data']));
      expect(r.stderr).toMatch(/cvc: daily: ingest failed: /);
    },
  );
});
