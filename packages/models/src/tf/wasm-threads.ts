// The multi-threaded build of the tfjs wasm backend, in Node. tfjs ships it (XNNPACK on an Emscripten
// pthread pool) but only enables it in browsers: in Node its feature flag says no, its pthread worker
// script is handed over as a browser Blob URL, and its pool is capped at half the logical cores (it
// assumes hyper-threading, so 1 thread on a 2-core machine). Here the same files load through
// Emscripten's Node path (worker_threads): the worker script is written once to a temp file, and the
// core count XNNPACK sees is the thread count asked for. Threads split a matrix product by output
// tiles, each output summed in the same order as with one thread, so forecasts do not depend on the
// thread count (tested); ops other than matrix products and convolutions stay single-threaded.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Tf } from './backend.js';

/** Emscripten pre-creates this many pthread workers in the threaded build, the most XNNPACK can use. */
export const MAX_TF_THREADS = 8;

interface EmscriptenModule {
  PThread: { runningWorkers: { unref(): void }[] };
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, (...a: number[]) => number>;
}
// WebAssembly is a Node global, but the project's TS lib has no typings for it: just what is used here.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
type Factory = (cfg: Record<string, unknown>) => Promise<EmscriptenModule>;
interface WasmPackage {
  BackendWasm: new (module: EmscriptenModule) => object;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

const require = createRequire(import.meta.url);

/** The pthread worker script as a file Node's Worker can start (once per content, shared by processes). */
function workerScript(dir: string): string {
  const { wasmWorkerContents } = require(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The shipped string holds "\n" escapes as real newlines inside string literals (tfjs re-escapes them
  // before making its Blob): undo that, or the script does not parse.
  const text = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `cvc-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Registers the threaded wasm build as the "wasm" backend with `threads` XNNPACK threads (before the
 * backend is first used in this thread). Returns the thread count the backend reports.
 */
export async function registerThreadedWasm(tf: Tf, threads: number): Promise<number> {
  // Replacing a wasm backend that is already running would dispose every tensor on it (model weights).
  const running = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  if (running['wasm']) return wasmThreadsInUse();
  const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'wasm-out');
  const script = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(script) as Factory;
  const worker = workerScript(dir);
  const binary = readFileSync(join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'));
  const module = await factory({
    locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : join(dir, path)),
    // Each pthread worker evaluates this file to set up its side of the module.
    mainScriptUrlOrBlob: script,
    instantiateWasm: (info: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void) => {
      // tfjs uses min(asked, logical cores / 2) threads: report twice the count asked for.
      info.env['emscripten_num_logical_cores'] = () => 2 * threads;
      void webAssembly.instantiate(binary, info).then((r) => receive(r.instance, r.module));
      return {};
    },
  });
  // The same bridge tfjs' own init() builds.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasm.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      const backend = new wasm.BackendWasm(module);
      // The backend has started its pthreads; waiting for work they would keep Node from ever exiting.
      for (const w of module.PThread.runningWorkers) w.unref();
      return backend as never;
    },
    2,
  );
  return threads;
}

/** Threads the wasm backend of this thread actually runs on (1 for the single-threaded build). */
export function wasmThreadsInUse(): number {
  return (require('@tensorflow/tfjs-backend-wasm') as WasmPackage).getThreadsCount();
}
