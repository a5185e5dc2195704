// Shared TensorFlow.js plumbing for the neural forecasters.
export { loadTf, type LoadTfOptions, type TfBackendName } from './backend.js';
