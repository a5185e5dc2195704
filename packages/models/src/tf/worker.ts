// Worker-thread entry: runs TfJobs one at a time with its own TensorFlow.js instance (wasm is
// single-threaded, so one worker per core). Messages: {type:'job', job} in; log/result/error out.
import { parentPort, workerData } from 'node:worker_threads';
import { runTfJob, type TfJob } from './jobs.js';

const port = parentPort;
if (!port) throw new Error('models/tf/worker.js must be started as a worker thread');
const backend = (workerData as { backend?: string } | undefined)?.backend;

port.on('message', async (msg: { type: 'job'; job: TfJob }) => {
  if (msg.type !== 'job') return;
  const id = msg.job.id;
  try {
    const result = await runTfJob(msg.job, {
      backend,
      log: (m, fields) => port.postMessage({ type: 'log', id, msg: m, fields }),
    });
    // Hand the forecast buffers over instead of copying them.
    const transfer: ArrayBuffer[] = [];
    for (const f of result.forecasts ?? []) transfer.push(f.p10.buffer as ArrayBuffer, f.p50.buffer as ArrayBuffer, f.p90.buffer as ArrayBuffer);
    port.postMessage({ type: 'result', id, result }, transfer);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ type: 'error', id, message: err.message, name: err.name, stack: err.stack });
  }
});
