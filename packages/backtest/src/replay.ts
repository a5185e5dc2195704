// A finished backtest read back for replaying what it learned after the fact (the ensemble's weights,
// the interval calibration) without refitting any model: every model's fold checkpoints as FoldOutcomes
// and the store series (actuals, known-future inputs) from the config's feature table as it is now.
import type { LoadedConfig, StoreSeries } from '@cvc/core';
import { lakeTables, openDuckDb, readStoreSeries } from '@cvc/feature-table';
import { readRunCheckpoints, type FoldOutcome } from './chain.js';

export interface ReplayRun {
  outcomes: FoldOutcome[];
  /** Stores with at least one day of sales. */
  series: StoreSeries[];
}

/** `runDir`: data/backtest-checkpoints/<key>, holding <model>/fold-<k>/forecasts.json. */
export async function readReplayRun(
  loaded: Pick<LoadedConfig, 'config' | 'paths'>,
  runDir: string,
): Promise<ReplayRun> {
  const outcomes = await readRunCheckpoints(runDir);
  const { conn, close } = await openDuckDb();
  try {
    const series = (await readStoreSeries(conn, lakeTables(loaded))).filter((s) => s.sales.length > 0);
    return { outcomes, series };
  } finally {
    close();
  }
}
