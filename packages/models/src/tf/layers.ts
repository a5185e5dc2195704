// Named trainable weights and the small differentiable building blocks both models are made of.
// Written as plain functions over tensors (not tf.layers) so every op has a working gradient on
// the wasm backend: broadcasting layer norm, GLU, gated residual network, unrolled LSTM.
import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { ForecastInputError } from '@cvc/core';

type Tensor = tfTypes.Tensor;
type Variable = tfTypes.Variable;

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

let variableCounter = 0;

/**
 * All weights of one model, by name. Initial values depend only on (seed, name), so the same
 * seed and config give the same network whatever order the layers are built in.
 */
export class ParamStore {
  private readonly vars = new Map<string, Variable>();
  constructor(
    readonly tf: Tf,
    private readonly seed: number,
  ) {}

  private make(name: string, shape: number[], init: () => Tensor): Variable {
    const existing = this.vars.get(name);
    if (existing) return existing;
    // tf's variable names are global per thread; several models live side by side.
    const v = this.tf.tidy(() => this.tf.variable(init(), true, `${name}#${++variableCounter}`));
    this.vars.set(name, v);
    return v;
  }

  /** Glorot-uniform matrix. */
  matrix(name: string, rows: number, cols: number): Variable {
    const limit = Math.sqrt(6 / (rows + cols));
    const s = (this.seed * 7919 + hashName(name)) % 2147483647;
    return this.make(name, [rows, cols], () => this.tf.randomUniform([rows, cols], -limit, limit, 'float32', s));
  }

  /** Glorot-uniform stack of matrices, one per variable of a variable selection network. */
  matrices(name: string, count: number, rows: number, cols: number): Variable {
    const limit = Math.sqrt(6 / (rows + cols));
    const s = (this.seed * 7919 + hashName(name)) % 2147483647;
    return this.make(name, [count, rows, cols], () =>
      this.tf.randomUniform([count, rows, cols], -limit, limit, 'float32', s),
    );
  }

  constant(name: string, shape: number[], value: number): Variable {
    return this.make(name, shape, () => this.tf.fill(shape, value));
  }

  list(): Variable[] {
    return [...this.vars.values()];
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Copies of all weights (for early stopping's best state and for saving). */
  snapshot(): Map<string, { shape: number[]; values: Float32Array }> {
    const out = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [k, v] of this.vars) {
      out.set(k, { shape: v.shape.slice(), values: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  /** Overwrites weights by name; every weight of this model must be present with the same shape. */
  restore(values: Map<string, { shape: number[]; values: Float32Array }>, what = 'weights'): void {
    for (const [k, v] of this.vars) {
      const src = values.get(k);
      if (!src) throw new ForecastInputError(`${what}: missing weight "${k}"`);
      if (src.shape.join(',') !== v.shape.join(',')) {
        throw new ForecastInputError(
          `${what}: weight "${k}" has shape [${src.shape}] but the model needs [${v.shape}]`,
        );
      }
      this.tf.tidy(() => v.assign(this.tf.tensor(src.values, src.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** x @ W + b over the last axis, any rank. */
export function dense(ps: ParamStore, name: string, x: Tensor, outDim: number, bias = true): Tensor {
  const tf = ps.tf;
  const inDim = x.shape[x.shape.length - 1]!;
  const w = ps.matrix(`${name}/w`, inDim, outDim);
  const lead = x.shape.slice(0, -1);
  const y =
    x.rank === 2
      ? tf.matMul(x as tfTypes.Tensor2D, w)
      : tf.matMul(x.reshape([-1, inDim]), w).reshape([...lead, outDim]);
  return bias ? tf.add(y, ps.constant(`${name}/b`, [outDim], 0)) : y;
}

/** Layer norm that only broadcasts (the built-in one is slow to train on wasm). */
export function layerNorm(ps: ParamStore, name: string, x: Tensor, eps = 1e-5): Tensor {
  const tf = ps.tf;
  const d = x.shape[x.shape.length - 1]!;
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, ps.constant(`${name}/gamma`, [d], 1)), ps.constant(`${name}/beta`, [d], 0));
}

export interface Dropout {
  rate: number;
  training: boolean;
  /** Returns a fresh seed for each dropout call so training is reproducible. */
  nextSeed: () => number;
}

export function dropout(ps: ParamStore, x: Tensor, d: Dropout | undefined): Tensor {
  if (!d || !d.training || d.rate <= 0) return x;
  return ps.tf.dropout(x, d.rate, undefined, d.nextSeed());
}

/** Gated linear unit: sigmoid(xW1) * (xW2). */
export function glu(ps: ParamStore, name: string, x: Tensor, outDim: number, drop?: Dropout): Tensor {
  const tf = ps.tf;
  const xd = dropout(ps, x, drop);
  return tf.mul(tf.sigmoid(dense(ps, `${name}/gate`, xd, outDim)), dense(ps, `${name}/value`, xd, outDim));
}

/** Gate, add the skip connection, layer norm ("gate + add & norm" of the TFT paper). */
export function gateAddNorm(ps: ParamStore, name: string, x: Tensor, skip: Tensor, drop?: Dropout): Tensor {
  const d = skip.shape[skip.shape.length - 1]!;
  return layerNorm(ps, `${name}/ln`, ps.tf.add(skip, glu(ps, `${name}/glu`, x, d, drop)));
}

/**
 * Gated residual network: ELU(W2 a + W3 c) -> W1 -> GLU, added to a (projected if needed), normed.
 * `context` must broadcast against `a`'s leading axes (e.g. [B,1,d] for a [B,T,*] input).
 */
export function grn(
  ps: ParamStore,
  name: string,
  a: Tensor,
  hidden: number,
  outDim: number,
  context?: Tensor,
  drop?: Dropout,
): Tensor {
  const tf = ps.tf;
  const inDim = a.shape[a.shape.length - 1]!;
  const skip = inDim === outDim ? a : dense(ps, `${name}/skip`, a, outDim);
  let h = dense(ps, `${name}/fc2`, a, hidden);
  if (context) h = tf.add(h, dense(ps, `${name}/ctx`, context, hidden, false));
  h = tf.elu(h);
  h = dense(ps, `${name}/fc1`, h, hidden);
  return layerNorm(ps, `${name}/ln`, tf.add(skip, glu(ps, `${name}/glu`, h, outDim, drop)));
}

/**
 * Unrolled LSTM over x [B,T,in] from state (h0, c0) [B,d]. Returns outputs [B,T,d] and the final
 * state. Input projections for all steps are one matmul; only the recurrent part loops.
 */
export function lstm(
  ps: ParamStore,
  name: string,
  x: Tensor,
  h0: Tensor,
  c0: Tensor,
  d: number,
): { out: Tensor; h: Tensor; c: Tensor } {
  const tf = ps.tf;
  // Time-major before unstacking: slicing the leading axis is a cheap copy, axis 1 is not (wasm).
  const xp = tf.transpose(dense(ps, `${name}/x`, x, 4 * d), [1, 0, 2]);
  const u = ps.matrix(`${name}/u`, d, 4 * d);
  const steps = tf.unstack(xp, 0);
  let h = h0 as tfTypes.Tensor2D;
  let c = c0;
  const outs: Tensor[] = [];
  for (const xt of steps) {
    const z = tf.add(xt, tf.matMul(h, u));
    const [i, f, g, o] = tf.split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tfTypes.Tensor2D;
    outs.push(h);
  }
  return { out: tf.transpose(tf.stack(outs, 0), [1, 0, 2]), h, c };
}

/**
 * Pinball loss averaged over observed targets. pred [..., Q], target and mask [...]; written with
 * maximum because the gradient of where/greater is missing on wasm.
 */
export function pinballLoss(tf: Tf, pred: Tensor, target: Tensor, mask: Tensor, quantiles: readonly number[]): Tensor {
  const q = tf.tensor1d(quantiles as number[]);
  const err = tf.sub(tf.expandDims(target, -1), pred);
  const loss = tf.maximum(tf.mul(err, q), tf.mul(err, tf.sub(q, 1)));
  const m = tf.expandDims(mask, -1);
  const total = tf.sum(tf.mul(loss, m));
  return tf.div(total, tf.mul(tf.maximum(tf.sum(mask), 1), quantiles.length));
}
