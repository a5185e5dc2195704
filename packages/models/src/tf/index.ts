// Shared TensorFlow.js plumbing for the neural forecasters.
export { loadTf, type LoadTfOptions, type TfBackendName } from './backend.js';
export { runTfJob, TF_FACTORIES, type TfJob, type TfJobResult } from './jobs.js';
export { runTfJobsInWorkers, workerEntryUrl, type RunJobsOptions } from './parallel.js';
