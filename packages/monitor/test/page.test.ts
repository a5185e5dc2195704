// The monitoring page written by runMonitor, opened in headless Chromium (Debian's package): it loads
// offline without a console error and holds the alert list, both charts over time and the worst stores.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMonitor } from '../src/index.js';
import { renderMonitorPage } from '../src/page.js';
import { FIRST_DAY, testLake } from './lake.js';
import { runChild } from '../../../test-support/child.js';
import { useOracle } from '../../../test-support/oracles.js';

async function dumpDom(file: string): Promise<{ status: number | null; dom: string; consoleErrors: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'cvc-chromium-'));
  const r = await runChild(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      `file://${file}`,
    ],
    { timeoutMs: 90_000 },
  );
  return {
    status: r.status,
    dom: r.stdout,
    consoleErrors: r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l)),
  };
}

describe.skipIf(!(await useOracle('chromium')))('monitoring page', () => {
  it('opens in headless Chromium with the alerts, accuracy and coverage over time and the worst stores', async () => {
    const lake = await testLake('monitor: { minDays: 3 }\n');
    await lake.addActuals('2025-01-01', FIRST_DAY);
    for (const a of ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04'])
      await lake.addForecasts(a, [1, 2, 3, 4], (s) => (s === 2 ? 0.5 : 0.03));
    await lake.addActuals('2025-03-02', '2025-03-20');
    await lake.close('2025-03-04');
    const r = await runMonitor({ loaded: lake.loaded, runId: 'page-run', today: '2025-03-21', track: false });
    expect(r.page).toBe(join(lake.loaded.paths.data, 'reports', 'monitor-2025-03-21.html'));
    const { status, dom, consoleErrors } = await dumpDom(r.page!);
    expect(status).toBe(0);
    expect(consoleErrors).toEqual([]);
    expect(dom).toContain('<h1>Forecast monitoring, 2025-03-21</h1>');
    expect(dom.match(/data-chart="wape-over-time"/g)).toHaveLength(1);
    expect(dom.match(/data-chart="coverage-over-time"/g)).toHaveLength(1);
    // Every horizon bucket observed so far has a line: forecasts as of 03-01..03-04 reach 19 days ahead.
    expect(dom).toMatch(/<text [^>]*style="fill:#1f77b4"[^>]*>days 1-7<\/text>/);
    expect(dom).toMatch(/>days 15-28<\/text>/);
    expect(dom.match(/data-chart="store-forecast"/g)).toHaveLength(4);
    expect(dom).toMatch(/aria-label="store 2 \(weekday_mean\): WAPE 50\.0%"/); // the worst store comes first
    expect(dom.indexOf('store 2 (')).toBeLessThan(dom.indexOf('store 1 ('));
    expect(dom).toContain('data-alert="accuracy_drift"');
    // The closed day (as-of 03-01..03-03 forecast it, 4 stores) is marked on each store's chart, not scored.
    expect(dom).toContain('data-closed-rows="12"');
    expect(dom.match(/data-closed="2025-03-04"/g)).toHaveLength(4);
    expect(dom).not.toContain('http://');
    expect(dom).not.toContain('https://');
  }, 120_000);

  it('escapes text from the data', () => {
    const html = renderMonitorPage({
      today: '2025-01-01',
      runId: 'r',
      baseline: null,
      worst: [],
      metrics: {
        window: null,
        rows: [],
        byStore: new Map(),
        storeDays: new Map(),
        chain: { n: 0, days: 0, absError: 0, actual: 0, error: 0, inInterval: 0, wape: NaN, bias: NaN, coverage: NaN },
        chainByBucket: {},
        daily: [],
        closed: 0,
      },
      alerts: [
        { kind: 'stores_skipped', message: 'store <b>"x"</b> & co', stores: ['<script>'], chain: false, numbers: {} },
      ],
    });
    expect(html).toContain('store &#60;b&#62;&#34;x&#34;&#60;/b&#62; &#38; co');
    expect(html).not.toContain('<script>');
  });
});
