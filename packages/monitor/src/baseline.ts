// What the backtest promised: the backtest figures in the manifest of the bundle that wrote the latest
// forecasts, found through the registry (a version number) or a bundle directory (infer --bundle).
import { existsSync, statSync } from 'node:fs';
import type { LoadedConfig, Logger } from '@cvc/core';
import { openRegistry, readManifest, registrySettings } from '@cvc/mlops';
import type { Baseline } from './alerts.js';

export async function loadBaseline(loaded: LoadedConfig, bundleVersion: string, log: Logger): Promise<Baseline | null> {
  try {
    let dir: string;
    if (/^\d+$/.test(bundleVersion)) {
      dir = (await openRegistry(registrySettings(loaded), { log }).resolve(Number(bundleVersion))).bundleDir;
    } else if (existsSync(bundleVersion) && statSync(bundleVersion).isDirectory()) {
      dir = bundleVersion;
    } else {
      log.warn({ bundleVersion }, 'monitor: the bundle of the latest forecasts is not a registry version or directory; no backtest to compare');
      return null;
    }
    const m = await readManifest(dir);
    const byModel: Record<string, number> = {};
    for (const [kind, figures] of Object.entries(m.backtest.byModel)) if (typeof figures['wape'] === 'number') byModel[kind] = figures['wape'];
    return { bundleVersion, wape: m.backtest.wape, byModel, byStore: m.backtest.byStore ?? {}, createdAt: m.createdAt };
  } catch (err) {
    // A registry that cannot be reached is transient for `cvc daily`; surface it rather than hide drift.
    log.warn({ bundleVersion, err: err instanceof Error ? err.message : String(err) }, 'monitor: cannot read the bundle manifest');
    throw err;
  }
}
