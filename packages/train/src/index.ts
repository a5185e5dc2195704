export { runTrain, tempBundleDir, type TrainOptions, type TrainResult } from './train.js';
export { readLatestChoice, type BacktestChoice } from './choice.js';
