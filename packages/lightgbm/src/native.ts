// Loads the compiled addon (build/Release/lightgbm.node, built by cmake-js at install) and types it.
// The path is taken from the package root so it works from src/ (tests) and dist/ (CLI) alike.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LightGBMError } from './errors.js';

export type Matrix = Float32Array | Float64Array;

export interface NativeDataset {
  setField(name: string, data: Float32Array | Float64Array | Int32Array): void;
  setFeatureNames(names: string[]): void;
  numData(): number;
  numFeature(): number;
  free(): void;
  readonly freed: boolean;
}

export interface NativeBooster {
  addValidData(ds: NativeDataset): void;
  update(rounds: number): Promise<{ iterations: number; finished: boolean; threads: number }>;
  rollback(): void;
  getEval(dataIdx: number): Float64Array;
  evalNames(): string[];
  featureNames(): string[];
  currentIteration(): number;
  numFeature(): number;
  numClasses(): number;
  saveModelToString(startIteration: number, numIteration: number, importanceType: number): string;
  predict(
    data: Matrix,
    nrow: number,
    ncol: number,
    rowMajor: boolean,
    predictType: number,
    startIteration: number,
    numIteration: number,
    params: string,
  ): Promise<Float64Array>;
  free(): void;
  readonly freed: boolean;
}

export interface NativeAddon {
  datasetFromMat(
    data: Matrix,
    nrow: number,
    ncol: number,
    rowMajor: boolean,
    params: string,
    reference?: NativeDataset,
  ): NativeDataset;
  boosterCreate(train: NativeDataset, params: string): NativeBooster;
  boosterFromString(model: string): NativeBooster;
  setLogger(fn: ((line: string) => void) | null): void;
  dumpParamAliases(): string;
  liveHandles(): { datasets: number; boosters: number };
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonPath = join(packageRoot, 'build', 'Release', 'lightgbm.node');

let loaded: NativeAddon | undefined;

/** The addon, loaded on first use so that importing this package never fails by itself. */
export function addon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(addonPath)) {
    throw new LightGBMError(
      'load',
      `native addon not found at ${addonPath}; build it with \`pnpm install\` (or \`npx cmake-js compile -G ` +
        `Ninja --out build\` in packages/lightgbm)`,
    );
  }
  // OpenMP threads that spin while they wait burn the cores other workers need (backtests run
  // several fits side by side on 2 cores); libgomp reads this when it loads. A caller's setting wins.
  process.env['OMP_WAIT_POLICY'] ??= 'passive';
  const require = createRequire(import.meta.url);
  loaded = require(addonPath) as NativeAddon;
  return loaded;
}
