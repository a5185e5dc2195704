// Saving and loading a tf model as a directory (model.json + weights.bin) without tfjs-node:
// a tf.io.IOHandler over the file system, plus helpers for named weight maps.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { ForecastInputError } from '@cvc/core';

export type WeightMap = Map<string, { shape: number[]; values: Float32Array }>;

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** IOHandler that writes/reads model.json (topology = our own config) and weights.bin in `dir`. */
export function fileDirHandler(dir: string): tfTypes.io.IOHandler {
  return {
    async save(artifacts: tfTypes.io.ModelArtifacts): Promise<tfTypes.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const data = artifacts.weightData;
      const buf = data == null ? new ArrayBuffer(0) : Array.isArray(data) ? concatBuffers(data) : data;
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(buf));
      const manifest = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(manifest));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: buf.byteLength,
        },
      };
    },
    async load(): Promise<tfTypes.io.ModelArtifacts> {
      const manifest = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
      const bin = await readFile(join(dir, WEIGHTS_BIN));
      const weightData = new Uint8Array(bin).buffer as ArrayBuffer;
      return {
        format: manifest.format,
        generatedBy: manifest.generatedBy,
        modelTopology: manifest.modelTopology,
        weightSpecs: manifest.weightsManifest?.[0]?.weights ?? [],
        weightData,
        userDefinedMetadata: manifest.userDefinedMetadata,
      };
    },
  };
}

function concatBuffers(parts: ArrayBuffer[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out.buffer;
}

/** Saves a config object and named float32 weights into `dir`. */
export async function saveWeightsDir(
  tf: Tf,
  dir: string,
  kind: string,
  config: Record<string, unknown>,
  weights: WeightMap,
): Promise<void> {
  const tensors: tfTypes.NamedTensorMap = {};
  for (const [name, w] of weights) tensors[name] = tf.tensor(w.values, w.shape, 'float32');
  try {
    const { data, specs } = await tf.io.encodeWeights(tensors);
    await fileDirHandler(dir).save!({
      format: `cvc-${kind}`,
      generatedBy: `TensorFlow.js v${tf.version_core}`,
      modelTopology: config as unknown as tfTypes.io.ModelArtifacts['modelTopology'],
      weightSpecs: specs,
      weightData: data,
    });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** Reads back what saveWeightsDir wrote; throws if `dir` holds a different model kind. */
export async function loadWeightsDir(
  tf: Tf,
  dir: string,
  kind: string,
): Promise<{ config: Record<string, unknown>; weights: WeightMap }> {
  const art = await fileDirHandler(dir).load!();
  if (art.format !== `cvc-${kind}`) {
    throw new ForecastInputError(`${join(dir, MODEL_JSON)} holds a "${art.format}" model, expected "cvc-${kind}"`);
  }
  const named = tf.io.decodeWeights(art.weightData as ArrayBuffer, art.weightSpecs ?? []);
  const weights: WeightMap = new Map();
  for (const [name, t] of Object.entries(named)) {
    weights.set(name, { shape: t.shape.slice(), values: Float32Array.from(t.dataSync() as Float32Array) });
    t.dispose();
  }
  return { config: art.modelTopology as Record<string, unknown>, weights };
}
