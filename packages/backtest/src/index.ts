export {
  ensembleMembers,
  foldWindows,
  learnedFilePath,
  runBacktest,
  resolveModels,
  type BacktestOptions,
  type BacktestResult,
  type ModelTiming,
} from './backtest.js';
export { chooseModels, leaderboard, type StoreChoice, type LeaderRow, type StoreFoldScore } from './choice.js';
export {
  foldSeries,
  readFoldCheckpoint,
  readRunCheckpoints,
  runChain,
  type ChainJob,
  type FoldOutcome,
} from './chain.js';
export { readReplayRun, type ReplayRun } from './replay.js';
export { renderReport, storesToChart, writeReport, writeStoreCharts, type StoreChartPick } from './report.js';
export { trackBacktest, startBacktestTracking, foldMetrics, type LiveBacktestTracking } from './track.js';
export { runBacktestJob, type BacktestJobResult } from './job.js';
export {
  calibrateIntervals,
  calibrationOrigins,
  ensembleOutcomes,
  pruneMembers,
  sameSeasonOrigins,
  type CoverageRow,
} from './post.js';
export { checkShardRunName, mergeFinishedShards, mergeShardedBacktest, type ShardMergeResult } from './shards.js';
