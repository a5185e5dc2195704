// The Temporal Fusion Transformer forward pass (Lim et al. 2021) over pre-built batches: variable
// selection networks for static, past and known-future inputs; static covariate encoders for the
// selection context, enrichment and the LSTM's initial state; an LSTM encoder-decoder; static
// enrichment; interpretable multi-head attention (shared values, averaged heads) with a causal mask;
// and a position-wise GRN before the p10/p50/p90 head.
import type * as tfTypes from '@tensorflow/tfjs';
import { dense, dropout, gateAddNorm, grn, layerNorm, lstm, type Dropout, type ParamStore } from '../tf/layers.js';
import type { TftParams } from './config.js';
import { futureWidth, PAST_INPUTS, type FeatureSpec, type TftBatch } from './features.js';

type Tensor = tfTypes.Tensor;

export interface TftShape {
  context: number;
  horizon: number;
}

/**
 * The per-variable GRN of each variable selection network, with weights shared across variables
 * and applied to x [N, J, d] as one [N*J, d] matmul: the inputs are already variable-specific
 * (each variable has its own embedding), and the stacked per-variable weights of the paper need
 * batched matmuls, which run about 10x slower than one plain matmul on the wasm backend.
 */
function variableGrns(ps: ParamStore, name: string, x: Tensor, d: number, drop?: Dropout): Tensor {
  const [N, J] = x.shape as [number, number, number];
  return grn(ps, name, x.reshape([N * J, d]), d, d, undefined, drop).reshape([N, J, d]);
}

/**
 * Variable selection: embeddings [B, T, J, d] -> weighted sum [B, T, d]. The softmax weights come
 * from a GRN over the variables' raw inputs [B, T, width] and the static context ([B, 1, d],
 * broadcast over time). The paper feeds the flattened embeddings instead; as those are linear in the
 * raw inputs, the GRN's first layer sees the same information at a tenth of the width.
 */
function variableSelection(
  ps: ParamStore,
  name: string,
  emb: Tensor,
  raw: Tensor,
  d: number,
  perVariableGrn: boolean,
  context?: Tensor,
  drop?: Dropout,
): Tensor {
  const tf = ps.tf;
  const [B, T, J] = emb.shape as [number, number, number, number];
  const weights = tf.softmax(grn(ps, `${name}/weights`, raw, d, J, context, drop)); // [B, T, J]
  const processed = perVariableGrn
    ? variableGrns(ps, `${name}/vars`, emb.reshape([B * T, J, d]), d, drop).reshape([B, T, J, d])
    : emb;
  return tf.sum(tf.mul(processed, tf.expandDims(weights, -1)), 2);
}

/**
 * Embeds each real column (x * w + b) and each categorical (one-hot @ W) of a [N, width] input.
 * Consecutive real columns are embedded together (one broadcast multiply for the run, from the
 * same per-variable weights): per-variable ops on [N, d] tensors cost more in op overhead than
 * in arithmetic on the wasm backend.
 */
function embedColumns(
  ps: ParamStore,
  name: string,
  x: Tensor,
  vars: { name: string; width: number; categorical: boolean }[],
  d: number,
): Tensor {
  const tf = ps.tf;
  const N = x.shape[0]!;
  const out: Tensor[] = [];
  let off = 0;
  let run: { name: string; off: number }[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const cols = tf.slice(x, [0, run[0]!.off], [-1, run.length]).reshape([N, run.length, 1]);
    const w = tf.concat(
      run.map((r) => ps.matrix(`${name}/${r.name}/w`, 1, d)),
      0,
    );
    const b = tf.stack(
      run.map((r) => ps.constant(`${name}/${r.name}/b`, [d], 0)),
      0,
    );
    out.push(tf.add(tf.mul(cols, w), b)); // [N, run, d]
    run = [];
  };
  for (const v of vars) {
    if (v.categorical) {
      flush();
      const cols = tf.slice(x, [0, off], [-1, v.width]);
      out.push(tf.matMul(cols as tfTypes.Tensor2D, ps.matrix(`${name}/${v.name}/w`, v.width, d)).reshape([N, 1, d]));
    } else {
      run.push({ name: v.name, off });
    }
    off += v.width;
  }
  flush();
  return out.length === 1 ? out[0]! : tf.concat(out, 1); // [N, J, d]
}

export function makeTft(ps: ParamStore, p: TftParams, spec: FeatureSpec, shape: TftShape) {
  const tf = ps.tf;
  const { context: L, horizon: H } = shape;
  const d = p.hiddenSize;
  const heads = p.numHeads;
  const dk = d / heads;
  const vg = p.perVariableGrn > 0;
  const W = futureWidth(spec);
  const pastVars = [...PAST_INPUTS, ...spec.pastColumns].map((name) => ({ name, width: 1, categorical: false }));
  // Decoder day i may attend to every encoder day and decoder days up to itself.
  const maskValues = new Float32Array(H * (L + H));
  for (let i = 0; i < H; i++) for (let j = 0; j < L + H; j++) maskValues[i * (L + H) + j] = j <= L + i ? 0 : -1e9;
  const causalMask = tf.tensor2d(maskValues, [H, L + H]);

  /** Returns [B, H, 3] scaled quantiles. */
  function forward(batch: TftBatch, drop?: Dropout): Tensor {
    const B = batch.B;

    // Static covariates: categorical embeddings + the store's standardised log level.
    const staticOneHot = spec.statics.map((st, j) =>
      tf.oneHot(tf.tensor1d(batch.staticIdx[j]!, 'int32'), st.vocab.length).toFloat(),
    );
    const staticEmb: Tensor[] = spec.statics.map((st, j) =>
      tf.matMul(staticOneHot[j] as tfTypes.Tensor2D, ps.matrix(`static/${st.name}/w`, st.vocab.length, d)),
    );
    const lvl = tf.tensor2d(batch.logLevel, [B, 1]);
    staticEmb.push(
      tf.add(tf.mul(lvl, ps.matrix('static/log_level/w', 1, d)), ps.constant('static/log_level/b', [d], 0)),
    );
    // Number statics (store size...) are static reals like the log level: one linear embedding each,
    // one more variable for the static selection network and so for the four static contexts.
    const reals = spec.numericStatics ?? [];
    const real = reals.length > 0 ? tf.tensor2d(batch.staticReal, [B, reals.length]) : undefined;
    reals.forEach((r, j) => {
      const x = tf.slice(real!, [0, j], [B, 1]);
      staticEmb.push(
        tf.add(tf.mul(x, ps.matrix(`static/${r.name}/w`, 1, d)), ps.constant(`static/${r.name}/b`, [d], 0)),
      );
    });
    const staticRaw = tf.concat([...staticOneHot, lvl, ...(real ? [real] : [])], 1).reshape([B, 1, -1]);
    const staticVec = variableSelection(
      ps,
      'static_vsn',
      tf.stack(staticEmb, 1).reshape([B, 1, staticEmb.length, d]),
      staticRaw,
      d,
      vg,
      undefined,
      drop,
    ).reshape([B, d]);
    const cSelect = grn(ps, 'static_enc/select', staticVec, d, d, undefined, drop);
    const cEnrich = grn(ps, 'static_enc/enrich', staticVec, d, d, undefined, drop);
    const cH = grn(ps, 'static_enc/state_h', staticVec, d, d, undefined, drop);
    const cC = grn(ps, 'static_enc/state_c', staticVec, d, d, undefined, drop);

    // Encoder inputs: past observed + known future on encoder days; decoder: known future only.
    const fut = tf.tensor3d(batch.future, [B, L + H, W]);
    const futEnc = tf.slice(fut, [0, 0, 0], [B, L, W]).reshape([B * L, W]);
    const futDec = tf.slice(fut, [0, L, 0], [B, H, W]).reshape([B * H, W]);
    const pastIn = tf.tensor2d(batch.past, [B * L, pastVars.length]);
    const encEmb = tf.concat(
      [embedColumns(ps, 'enc_past', pastIn, pastVars, d), embedColumns(ps, 'enc_future', futEnc, spec.future, d)],
      1,
    );
    const decEmb = embedColumns(ps, 'dec_future', futDec, spec.future, d);
    const ctx = tf.expandDims(cSelect, 1);
    const encRaw = tf.concat([pastIn, futEnc], 1).reshape([B, L, -1]);
    const encX = variableSelection(ps, 'enc_vsn', encEmb.reshape([B, L, -1, d]), encRaw, d, vg, ctx, drop);
    const decX = variableSelection(
      ps,
      'dec_vsn',
      decEmb.reshape([B, H, -1, d]),
      futDec.reshape([B, H, W]),
      d,
      vg,
      ctx,
      drop,
    );

    // Sequence-to-sequence layer, started from the static state.
    const enc = lstm(ps, 'lstm_enc', encX, cH, cC, d);
    const dec = lstm(ps, 'lstm_dec', decX, enc.h, enc.c, d);
    const lstmOut = tf.concat([enc.out, dec.out], 1);
    const temporal = gateAddNorm(ps, 'post_lstm', lstmOut, tf.concat([encX, decX], 1), drop); // [B, L+H, d]

    // Static enrichment, then interpretable attention from decoder days over all days.
    const enriched = grn(ps, 'enrich', temporal, d, d, tf.expandDims(cEnrich, 1), drop);
    const query = tf.slice(enriched, [0, L, 0], [B, H, d]);
    const value = dense(ps, 'attn/v', enriched, dk);
    let headsSum: Tensor | undefined;
    for (let h = 0; h < heads; h++) {
      const q = dense(ps, `attn/q${h}`, query, dk);
      const k = dense(ps, `attn/k${h}`, enriched, dk);
      const scores = tf.add(
        tf.div(tf.matMul(q as tfTypes.Tensor3D, k as tfTypes.Tensor3D, false, true), Math.sqrt(dk)),
        causalMask,
      );
      const attended = tf.matMul(dropout(ps, tf.softmax(scores), drop) as tfTypes.Tensor3D, value as tfTypes.Tensor3D);
      headsSum = headsSum ? tf.add(headsSum, attended) : attended;
    }
    const attn = dense(ps, 'attn/out', tf.div(headsSum!, heads), d);
    const afterAttn = gateAddNorm(ps, 'post_attn', attn, query, drop);
    const ff = grn(ps, 'positionwise', afterAttn, d, d, undefined, drop);
    const out = gateAddNorm(ps, 'pre_output', ff, tf.slice(temporal, [0, L, 0], [B, H, d]));
    return dense(ps, 'quantiles', out, 3);
  }

  return { forward, dispose: () => causalMask.dispose() };
}
