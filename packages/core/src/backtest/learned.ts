// What a backtest run learned from its out-of-fold forecasts and `cvc train` puts into the bundle:
// each model's interval calibration and the ensemble's weights. One JSON file per run under the data
// folder, validated when read, so a hand-edited or truncated file is a clear error, not a bad bundle.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { DAY_CLASSES, type IntervalCalibration } from './conformal.js';

const offsets = z.object({ lo: z.array(z.number()), hi: z.array(z.number()) }).strict();
export const intervalCalibrationSchema = z
  .object({
    coverage: z.number().gt(0).lt(1),
    chain: offsets,
    stores: z.record(z.string(), offsets),
    season: z.array(z.number().positive()).optional(),
    classes: z.array(offsets).length(DAY_CLASSES.length).optional(),
    widthScale: z
      .object({ lo: z.array(z.number().positive()), hi: z.array(z.number().positive()) })
      .strict()
      .optional(),
  })
  .strict();
const weights = z.array(z.number().min(0));
export const ensembleWeightsSchema = z
  .object({
    members: z.array(z.string().min(1)).min(1),
    chain: weights,
    formats: z.record(z.string(), weights),
    stores: z.record(z.string(), weights),
  })
  .strict();
const learnedSchema = z
  .object({
    runId: z.string(),
    calibration: z.record(z.string(), intervalCalibrationSchema),
    ensemble: ensembleWeightsSchema.nullable(),
  })
  .strict();

/** The ensemble's weights over its members: the chain's, each store format's and each store's own. */
export interface EnsembleWeights {
  members: string[];
  chain: number[];
  formats: Record<string, number[]>;
  stores: Record<string, number[]>;
}

export interface BacktestLearned {
  runId: string;
  calibration: Record<string, IntervalCalibration>;
  ensemble: EnsembleWeights | null;
}

/** The file a backtest run writes under the data folder. */
export function backtestLearnedFile(dataDir: string, runId: string): string {
  return join(dataDir, 'backtest-runs', runId, 'learned.json');
}

/** Reads a run's learned file; null when that run wrote none (a backtest from before it existed). */
export async function readBacktestLearned(dataDir: string, runId: string): Promise<BacktestLearned | null> {
  const file = backtestLearnedFile(dataDir, runId);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new InputError(`${file}: not valid JSON; rerun \`cvc backtest\``);
  }
  const p = learnedSchema.safeParse(json);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    throw new InputError(
      `${file}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}; rerun \`cvc backtest\``,
    );
  }
  return p.data;
}
