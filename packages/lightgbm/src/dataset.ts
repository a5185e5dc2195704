// A LightGBM Dataset built from a dense Float32Array / Float64Array matrix, either row-major
// (row i at data[i*ncol ...]) or column-major (column j at data[j*nrow ...], what column-wise
// feature builders produce without a transpose).
import { LightGBMError, native } from './errors.js';
import { addon, type Matrix, type NativeDataset } from './native.js';
import { formatParams, type Params } from './params.js';

export interface DatasetOptions {
  nrow: number;
  ncol: number;
  /** 'row' (default) or 'col' major layout of `data`. */
  layout?: 'row' | 'col';
  label?: Float32Array | Float64Array;
  weight?: Float32Array | Float64Array;
  /** Column indices of categorical features (non-negative integer codes). */
  categorical?: readonly number[];
  featureNames?: readonly string[];
  /** Dataset parameters (max_bin, min_data_in_bin, ...). */
  params?: Params;
  /** Validation sets must share the training set's bins: pass the training Dataset here. */
  reference?: Dataset;
}

export class Dataset {
  private constructor(
    /** @internal */ readonly handle: NativeDataset,
    readonly nrow: number,
    readonly ncol: number,
    readonly featureNames: readonly string[],
  ) {}

  static fromMatrix(data: Matrix, opts: DatasetOptions): Dataset {
    const { nrow, ncol } = opts;
    checkShape('Dataset.fromMatrix', data, nrow, ncol);
    const names = opts.featureNames ?? Array.from({ length: ncol }, (_, j) => `Column_${j}`);
    if (names.length !== ncol) {
      throw new LightGBMError('Dataset.fromMatrix', `${names.length} feature names for ${ncol} columns`);
    }
    for (const c of opts.categorical ?? []) {
      if (!Number.isInteger(c) || c < 0 || c >= ncol) {
        throw new LightGBMError('Dataset.fromMatrix', `categorical column ${c} is out of range 0..${ncol - 1}`);
      }
    }
    const params: Params = { ...opts.params };
    if (opts.categorical && opts.categorical.length > 0) params['categorical_feature'] = opts.categorical;
    const paramText = formatParams(params);
    const handle = native('LGBM_DatasetCreateFromMat', () =>
      addon().datasetFromMat(data, nrow, ncol, (opts.layout ?? 'row') === 'row', paramText, opts.reference?.handle),
    );
    const ds = new Dataset(handle, nrow, ncol, names);
    try {
      native('LGBM_DatasetSetFeatureNames', () => handle.setFeatureNames([...names]));
      if (opts.label) ds.setLabel(opts.label);
      if (opts.weight) ds.setWeight(opts.weight);
    } catch (err) {
      handle.free();
      throw err;
    }
    return ds;
  }

  setLabel(label: Float32Array | Float64Array): void {
    this.checkField('label', label);
    // LightGBM turns a NaN label into 0 without a word; a NaN label is always a caller's bug.
    const bad = label.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new LightGBMError('Dataset.setLabel', `label at row ${bad} is ${label[bad]}; labels must be finite`);
    native('LGBM_DatasetSetField', () => this.handle.setField('label', toFloat32(label)));
  }

  setWeight(weight: Float32Array | Float64Array): void {
    this.checkField('weight', weight);
    const bad = weight.findIndex((v) => !Number.isFinite(v) || v < 0);
    if (bad >= 0)
      throw new LightGBMError('Dataset.setWeight', `weight at row ${bad} is ${weight[bad]}; must be finite and >= 0`);
    native('LGBM_DatasetSetField', () => this.handle.setField('weight', toFloat32(weight)));
  }

  numData(): number {
    return native('LGBM_DatasetGetNumData', () => this.handle.numData());
  }

  numFeature(): number {
    return native('LGBM_DatasetGetNumFeature', () => this.handle.numFeature());
  }

  /** Frees the native dataset now (the GC does it otherwise). Fails while a booster uses it. */
  free(): void {
    native('LGBM_DatasetFree', () => this.handle.free());
  }

  get freed(): boolean {
    return this.handle.freed;
  }

  private checkField(name: string, values: ArrayLike<number>): void {
    if (values.length !== this.nrow) {
      throw new LightGBMError(`Dataset.set ${name}`, `${values.length} values for ${this.nrow} rows`);
    }
  }
}

export function checkShape(call: string, data: Matrix, nrow: number, ncol: number): void {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new LightGBMError(call, 'data must be a Float32Array or Float64Array');
  }
  if (!Number.isInteger(nrow) || !Number.isInteger(ncol) || nrow < 0 || ncol <= 0) {
    throw new LightGBMError(call, `invalid shape ${nrow} x ${ncol}`);
  }
  if (data.length !== nrow * ncol) {
    throw new LightGBMError(
      call,
      `data has ${data.length} values, expected nrow * ncol = ${nrow} * ${ncol} = ${nrow * ncol}`,
    );
  }
}

// LightGBM stores labels and weights as float32 and would convert anyway; Python does the same.
function toFloat32(values: Float32Array | Float64Array): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}
