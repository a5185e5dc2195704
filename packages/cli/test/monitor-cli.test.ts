// `cvc monitor` from the built CLI on a small real lake: the JSON summary carries the alerts, and
// --fail-on alert turns them into exit 4 (never: exit 0).
import { beforeAll, describe, expect, it } from 'vitest';
import { cvc } from './helpers.js';
import { testLake } from '../../monitor/test/lake.js';

let config: string;

describe('cvc monitor', () => {
  beforeAll(async () => {
    const lake = await testLake();
    await lake.addActuals('2025-01-01', '2025-03-01');
    for (const a of ['2025-03-01', '2025-03-02']) await lake.addForecasts(a, [1, 2, 3, 4], (s) => (s === 3 ? 0.4 : 0.02));
    await lake.addActuals('2025-03-02', '2025-03-12');
    config = lake.loaded.file;
  }, 120_000);

  it('reports alerts as JSON and exits 0 by default, 4 with --fail-on alert', () => {
    const ok = cvc(['--config', config, '--json', 'monitor', '--today', '2025-03-13']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout) as { command: string; added: number; alerts: Array<{ kind: string; stores: string[] }> };
    expect(doc.command).toBe('monitor');
    expect(doc.added).toBe(4 * (11 + 10));
    expect(doc.alerts.find((a) => a.kind === 'accuracy_drift')?.stores).toEqual(['3']);
    const failed = cvc(['--config', config, 'monitor', '--today', '2025-03-13', '--fail-on', 'alert']);
    expect(failed.code).toBe(4);
    expect(failed.stdout).toMatch(/ALERT accuracy_drift: .*\[3\]/);
    expect(failed.stderr).toMatch(/alert\(s\) fired: .*accuracy_drift/);
    expect(cvc(['--config', config, 'monitor', '--fail-on', 'sometimes']).code).toBe(2);
  });
});
