// Loads TensorFlow.js once per thread and picks the fastest backend that works here:
// tfjs-node (native) if its binary is present, else wasm, else the pure-JS cpu backend.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastWasmSlicing } from './wasm-kernels.js';
import { MAX_TF_THREADS, registerThreadedWasm, wasmThreadsInUse } from './wasm-threads.js';
import { InputError, ModelError } from '@cvc/core';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';
export type Tf = typeof tf;

const BACKEND_ORDER: TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface LoadTfOptions {
  /** Force one backend ("tensorflow", "node", "wasm", "cpu"); default: env CVC_TF_BACKEND, else auto. */
  backend?: string;
  /**
   * Threads for the wasm backend's matrix products (1 = the single-threaded build); default: env
   * CVC_TF_THREADS, else DEFAULT_TF_THREADS. Decided by the first load in a thread. Forecasts do not
   * depend on it (tested); the backtest pool sets 1 in its workers when it runs fits side by side.
   */
  threads?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * A fixed default, not the machine's core count. 1: on the shared 2-core build machine 2 threads were
 * slower and cost more CPU per sample (bench/tf-train.ts; README); CVC_TF_THREADS=2 for an idle machine.
 */
export const DEFAULT_TF_THREADS = 1;

let loaded: Promise<{ tf: Tf; backend: TfBackendName }> | undefined;
let loadedFor: string | undefined;

function normalise(name: string): TfBackendName {
  const n = name.trim().toLowerCase();
  if (n === 'node' || n === 'tensorflow' || n === 'tfjs-node') return 'tensorflow';
  if (n === 'wasm' || n === 'cpu') return n;
  throw new InputError(`CVC_TF_BACKEND / backend must be one of node, wasm, cpu; got "${name}"`);
}

/** pnpm links tfjs-node even when its native binary was never downloaded, so requiring it can throw. */
function tryRegisterNode(): boolean {
  try {
    const require = createRequire(import.meta.url);
    require('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') != null;
  } catch {
    return false;
  }
}

export function tfThreads(opts: LoadTfOptions = {}): number {
  const raw = opts.threads ?? (process.env['CVC_TF_THREADS'] || DEFAULT_TF_THREADS);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TF_THREADS)
    throw new InputError(`CVC_TF_THREADS / threads must be an integer from 1 to ${MAX_TF_THREADS}; got "${raw}"`);
  return n;
}

async function select(forced: TfBackendName | undefined, threads: number, log?: LoadTfOptions['log']) {
  // Production mode: skips tfjs' debug checks and its "install tfjs-node" console banner.
  tf.enableProdMode();
  const candidates = forced ? [forced] : BACKEND_ORDER;
  const tried: string[] = [];
  for (const name of candidates) {
    if (name === 'tensorflow' && !tryRegisterNode()) {
      tried.push('tensorflow (tfjs-node binary not available)');
      continue;
    }
    if (name === 'wasm' && threads > 1) {
      // The stock single-threaded build stays registered unless the threaded one loaded.
      try {
        await registerThreadedWasm(tf, threads);
      } catch (e) {
        log?.('threaded wasm backend failed to load; using one thread', { error: (e as Error).message });
      }
    }
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      if (ok) await tf.ready();
    } catch (e) {
      tried.push(`${name} (${(e as Error).message})`);
      continue;
    }
    if (ok && tf.getBackend() === name) {
      if (name === 'wasm') installFastWasmSlicing(tf);
      log?.('tf backend', {
        backend: name,
        forced: forced != null,
        ...(name === 'wasm' ? { threads: wasmThreadsInUse() } : {}),
      });
      return name;
    }
    tried.push(`${name} (setBackend returned false)`);
  }
  throw new ModelError(`no usable TensorFlow.js backend: ${tried.join('; ')}`);
}

/**
 * Returns the tf namespace with a backend set. Memoised per thread; asking for a different forced
 * backend than the one already loaded switches to it.
 */
export function loadTf(opts: LoadTfOptions = {}): Promise<{ tf: Tf; backend: TfBackendName }> {
  const wanted = opts.backend ?? process.env['CVC_TF_BACKEND'];
  const forced = wanted && wanted !== 'auto' ? normalise(wanted) : undefined;
  const key = forced ?? 'auto';
  // Without a forced choice, keep whatever backend this thread already runs on.
  if (loaded && !forced) return loaded;
  if (!loaded || loadedFor !== key) {
    loadedFor = key;
    loaded = select(forced, tfThreads(opts), opts.log).then((backend) => ({ tf, backend }));
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}
