// Worker-thread entry of fit-pool.ts: fits one model, posts its progress, log lines and report, and
// saves the fitted model in a scratch folder that the parent loads it from and removes.
import { parentPort, workerData } from 'node:worker_threads';
import {
  PROGRESS_EVERY_MS,
  fitHere,
  newScratch,
  scratchModelDir,
  type FitWorkerData,
  type FitWorkerMessage,
} from './fit-pool.js';
import { postableError, type WorkerEnd } from './worker-pool.js';

const { job, series } = workerData as FitWorkerData;
const post = (m: FitWorkerMessage | WorkerEnd) => parentPort!.postMessage(m);
let lastSent = 0;

fitHere(job, series, {
  onProgress: (progress) => {
    const now = performance.now();
    if (now - lastSent < PROGRESS_EVERY_MS && progress.done < progress.total) return;
    lastSent = now;
    post({ type: 'progress', progress });
  },
  log: (msg, fields) => post({ type: 'log', msg, ...(fields ? { fields } : {}) }),
})
  .then(async ({ model, report }) => {
    const scratch = await newScratch(job.kind);
    await model.save(scratchModelDir(scratch));
    post({ type: 'report', report, scratch });
    post({ type: 'done' });
  })
  .catch((err: unknown) => post({ type: 'fatal', error: postableError(err) }));
