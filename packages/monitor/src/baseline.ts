// What the backtest promised: the backtest figures in the manifest of the bundle that wrote the latest
// forecasts, found through the registry (a version number) or a bundle directory (infer --bundle).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { LoadedConfig, Logger } from '@cvc/core';
import { openRegistry, readManifest, registrySettings, type BundleManifest } from '@cvc/mlops';
import type { Baseline } from './alerts.js';

function fromManifest(bundleVersion: string, m: BundleManifest): Baseline {
  const byModel: Record<string, number> = {};
  for (const [kind, figures] of Object.entries(m.backtest.byModel))
    if (typeof figures['wape'] === 'number') byModel[kind] = figures['wape'];
  return { bundleVersion, wape: m.backtest.wape, byModel, byStore: m.backtest.byStore ?? {}, createdAt: m.createdAt };
}

export async function loadBaseline(loaded: LoadedConfig, bundleVersion: string, log: Logger): Promise<Baseline | null> {
  if (/^\d+$/.test(bundleVersion)) {
    // A registry that cannot be reached fails the run (transient for `cvc daily`) rather than hide drift.
    const dir = (await openRegistry(registrySettings(loaded), { log }).resolve(Number(bundleVersion))).bundleDir;
    return fromManifest(bundleVersion, await readManifest(dir));
  }
  // `infer --bundle <path>` records the absolute path; a bundle since moved or deleted only costs the comparison.
  if (isAbsolute(bundleVersion) && existsSync(bundleVersion) && statSync(bundleVersion).isDirectory()) {
    try {
      return fromManifest(bundleVersion, await readManifest(bundleVersion));
    } catch (err) {
      log.warn(
        { bundleVersion, err: err instanceof Error ? err.message : String(err) },
        'monitor: cannot read the bundle manifest',
      );
      return null;
    }
  }
  log.warn(
    { bundleVersion },
    'monitor: the bundle of the latest forecasts is not a registry version or a bundle directory; ' +
      'no backtest to compare',
  );
  return null;
}
