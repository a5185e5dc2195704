// A trained (or training) LightGBM model: boosting rounds, evaluation, prediction, and the model
// text format that Python's `lightgbm.Booster(model_file=...)` reads.
import { readFile, writeFile } from 'node:fs/promises';
import { checkShape, Dataset } from './dataset.js';
import { LightGBMError, ModelFileError, native, nativeAsync } from './errors.js';
import { checkModelText, ModelTextError } from './model-text.js';
import { addon, type Matrix, type NativeBooster } from './native.js';
import { formatParams, type Params } from './params.js';

export type PredictKind = 'normal' | 'raw' | 'leaf' | 'contrib';
const PREDICT_TYPE: Record<PredictKind, number> = { normal: 0, raw: 1, leaf: 2, contrib: 3 };

export interface PredictOptions {
  nrow: number;
  ncol: number;
  layout?: 'row' | 'col';
  kind?: PredictKind;
  startIteration?: number;
  /** Trees to use; <= 0 or absent = all (or best iteration if training stopped early). */
  numIteration?: number;
  params?: Params;
}

export interface EvalResult {
  /** 'training' or the validation set's name. */
  dataName: string;
  metric: string;
  value: number;
}

export class Booster {
  private readonly validNames: string[] = [];
  /** Best iteration found by early stopping (1-based), or 0 when not set. */
  bestIteration = 0;

  private constructor(/** @internal */ readonly handle: NativeBooster) {}

  static create(train: Dataset, params: Params): Booster {
    const text = formatParams(params);
    return new Booster(native('LGBM_BoosterCreate', () => addon().boosterCreate(train.handle, text)));
  }

  /** Checks the text first (see model-text.ts): malformed text is a LightGBMError, never a crash. */
  static fromModelString(model: string): Booster {
    const checked = checkModelText(model);
    // The text holds the trees that were saved (the best ones after early stopping): use them all.
    return new Booster(native('LGBM_BoosterLoadModelFromString', () => addon().boosterFromString(checked)));
  }

  /** Loads a model file; any failure is a ModelFileError naming the file. */
  static async load(file: string): Promise<Booster> {
    try {
      return Booster.fromModelString(await readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      const reason = err instanceof ModelTextError ? err.reason : (err as Error).message;
      throw new ModelFileError(file, reason);
    }
  }

  addValid(ds: Dataset, name = `valid_${this.validNames.length}`): void {
    native('LGBM_BoosterAddValidData', () => this.handle.addValidData(ds.handle));
    this.validNames.push(name);
  }

  /**
   * Runs `rounds` boosting iterations on the thread pool; `finished` when no split was possible,
   * `threads` the OpenMP threads they ran with (the booster's num_threads).
   */
  update(rounds = 1): Promise<{ iterations: number; finished: boolean; threads: number }> {
    return nativeAsync('LGBM_BoosterUpdateOneIter', () => this.handle.update(rounds));
  }

  rollback(): void {
    native('LGBM_BoosterRollbackOneIter', () => this.handle.rollback());
  }

  /** Metrics on the training data (dataIdx 0) or the i-th validation set (dataIdx i). */
  eval(dataIdx: number): EvalResult[] {
    const names = native('LGBM_BoosterGetEvalNames', () => this.handle.evalNames());
    const values = native('LGBM_BoosterGetEval', () => this.handle.getEval(dataIdx));
    const dataName = dataIdx === 0 ? 'training' : (this.validNames[dataIdx - 1] ?? `valid_${dataIdx - 1}`);
    return names.map((metric, i) => ({ dataName, metric, value: values[i] ?? NaN }));
  }

  currentIteration(): number {
    return native('LGBM_BoosterGetCurrentIteration', () => this.handle.currentIteration());
  }

  featureNames(): string[] {
    return native('LGBM_BoosterGetFeatureNames', () => this.handle.featureNames());
  }

  numFeature(): number {
    return native('LGBM_BoosterGetNumFeature', () => this.handle.numFeature());
  }

  async predict(data: Matrix, opts: PredictOptions): Promise<Float64Array> {
    checkShape('Booster.predict', data, opts.nrow, opts.ncol);
    const nf = this.numFeature();
    if (opts.ncol !== nf)
      throw new LightGBMError('Booster.predict', `data has ${opts.ncol} columns, the model expects ${nf}`);
    const params = formatParams(opts.params ?? {});
    return nativeAsync('LGBM_BoosterPredictForMat', () =>
      this.handle.predict(
        data,
        opts.nrow,
        opts.ncol,
        (opts.layout ?? 'row') === 'row',
        PREDICT_TYPE[opts.kind ?? 'normal'],
        opts.startIteration ?? 0,
        opts.numIteration ?? this.bestIteration,
        params,
      ),
    );
  }

  /** LightGBM's text model format; `numIteration` <= 0 means all (defaults to the best iteration). */
  modelString(opts: { numIteration?: number; importance?: 'split' | 'gain' } = {}): string {
    const num = opts.numIteration ?? this.bestIteration;
    const imp = opts.importance === 'gain' ? 1 : 0;
    return native('LGBM_BoosterSaveModelToString', () => this.handle.saveModelToString(0, num, imp));
  }

  async save(file: string, opts: { numIteration?: number; importance?: 'split' | 'gain' } = {}): Promise<void> {
    await writeFile(file, this.modelString(opts), 'utf8');
  }

  /** Frees the native booster now (the GC does it otherwise); fails while a round or prediction runs. */
  free(): void {
    native('LGBM_BoosterFree', () => this.handle.free());
  }

  get freed(): boolean {
    return this.handle.freed;
  }
}
