// `cvc demo` ends with simulated days of `cvc daily`: through the built CLI at a small size (baseline
// models), with a level shift, forecast_accuracy read back by delta-rs and the monitoring page written.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cvc, project, python } from './helpers.js';

describe('cvc demo with simulated days', () => {
  it('runs cvc daily for each simulated day and fills forecast_accuracy and the monitoring page', async () => {
    const p = project('demo: { stores: 6, asOf: "2025-06-30" }\nbacktest: { folds: 2, models: [] }\n');
    const r = await cvc([
      '--config',
      p.config,
      '--json',
      'demo',
      '--days',
      '3',
      '--shift-stores',
      '2',
      '--shift-factor',
      '0.5',
    ]);
    if (r.code !== 0) throw new Error(`demo failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const s = JSON.parse(r.stdout) as {
      daily: Array<{ today: string; exitCode: number; steps: Array<{ outcome: string }> }>;
      monitoringPage: string;
    };
    expect(s.daily.map((d) => d.today)).toEqual(['2025-07-02', '2025-07-03', '2025-07-04']);
    expect(s.daily.every((d) => d.exitCode === 0 && d.steps.every((x) => x.outcome === 'ok'))).toBe(true);
    expect(s.monitoringPage).toBe(join(p.dir, 'data', 'reports', 'monitor-2025-07-04.html'));
    expect(readFileSync(s.monitoringPage, 'utf8')).toContain('data-chart="wape-over-time"');
    const out = await python(`
import json
from deltalake import DeltaTable
df = DeltaTable(${JSON.stringify(join(p.dir, 'data', 'lake', 'forecast_accuracy'))}).to_pandas()
print(json.dumps({"days": sorted(df.forecast_date.astype(str).unique().tolist()),
  "asOf": sorted(df.as_of_date.astype(str).unique().tolist())}))`);
    // Day 1 observes 07-01 (forecast on 06-30); day 3 observes 07-01..07-03 from as-of 06-30..07-02.
    expect(JSON.parse(out)).toEqual({
      days: ['2025-07-01', '2025-07-02', '2025-07-03'],
      asOf: ['2025-06-30', '2025-07-01', '2025-07-02'],
    });
    // A later cron run finds nothing new: every step succeeds, stale_data fires, --fail-on alert exits 4.
    const late = await cvc(['--config', p.config, '--json', 'daily', '--today', '2025-07-20', '--fail-on', 'alert']);
    expect(late.code).toBe(4);
    const doc = JSON.parse(late.stdout) as {
      today: string;
      exitCode: number;
      steps: Array<{ step: string; outcome: string; attempts: number; seconds: number }>;
      alerts: Array<{ kind: string; numbers: Record<string, Record<string, unknown>> }>;
      monitor: { lastFeatureDay: string };
    };
    expect(doc.steps.map((x) => `${x.step}:${x.outcome}:${x.attempts}`)).toEqual([
      'ingest:ok:1',
      'infer:ok:1',
      'monitor:ok:1',
    ]);
    expect(doc.steps.every((x) => x.seconds > 0)).toBe(true);
    expect(doc).toMatchObject({ today: '2025-07-20', exitCode: 0, monitor: { lastFeatureDay: '2025-07-03' } });
    expect(doc.alerts.find((a) => a.kind === 'stale_data')?.numbers['chain']).toMatchObject({ ageDays: 17 });
    expect(late.stderr).toMatch(/alert\(s\) fired: .*stale_data.* \(--fail-on alert\)/);
    expect((await cvc(['--config', p.config, 'demo', '--shift-stores', 'two'])).code).toBe(2);
    expect(existsSync(join(p.dir, 'data', 'lake', 'daily.lock'))).toBe(false);
  }, 900_000);
});
