// Worker-thread entry: runs one model chain and posts each finished fold back to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { postableError } from '@cvc/models';
import { runChain, type ChainJob } from './chain.js';

const job = workerData as ChainJob;
runChain(
  job,
  (o) => parentPort!.postMessage({ type: 'fold', outcome: o }),
  (a) => parentPort!.postMessage({ type: 'activity', activity: a }),
)
  .then(() => parentPort!.postMessage({ type: 'done' }))
  .catch((err: unknown) => parentPort!.postMessage({ type: 'fatal', error: postableError(err) }));
