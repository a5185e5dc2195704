export { runTrain, tempBundleDir, type TrainOptions, type TrainResult } from './train.js';
export { readLatestChoice, type BacktestChoice } from './choice.js';
export { trainAndRegister, type TrainAndRegisterOptions, type TrainAndRegisterResult } from './register.js';
