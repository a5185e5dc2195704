// The one tracking interface the steps log through. backtest opens a parent run and a child run per
// model; train logs its run and the bundle. Backends: MLflow over REST, or local Delta tables.
import { maskUserinfo } from '@cvc/core';

export type RunStatus = 'FINISHED' | 'FAILED' | 'KILLED';

export interface StartRunOptions {
  /** Run name shown in the UI / `cvc runs list`. */
  name: string;
  tags?: Record<string, string>;
  /** Parent run: the child is tagged mlflow.parentRunId (nested in the MLflow UI). */
  parent?: TrackedRun | string;
}

export interface TrackedRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly name: string;
  /** Values that are not strings are logged as JSON. Params are write-once, as in MLflow. */
  logParams(params: Record<string, unknown>): Promise<void>;
  /**
   * `step` is the fold number for per-fold figures; leave it out for overall figures. MLflow gets
   * per-fold values as `fold/<key>` (step = fold) and overall values as `<key>`; the local tables keep
   * `<key>` with a step column (NULL = overall).
   */
  logMetrics(metrics: Record<string, number>, step?: number): Promise<void>;
  /** One key's history (e.g. fold0/val_loss by epoch), logged under `key` as given, one point per step. */
  logMetricHistory(key: string, points: readonly { step: number; value: number }[]): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Logs a file or a whole directory under `artifactPath` (default: the file or directory name). */
  logArtifact(localPath: string, artifactPath?: string): Promise<void>;
  /** Where artifacts of this run live (an mlflow-artifacts: URI or a local directory). */
  readonly artifactUri: string;
  end(status?: RunStatus): Promise<void>;
  /**
   * Removes a run that stopped on bad usage before it did any work, so no FAILED run is left for a typo:
   * MLflow deletes it (as the UI's delete does); the local tables mark it DELETED and listings skip it.
   */
  discard(): Promise<void>;
}

export interface Tracker {
  readonly backend: 'mlflow' | 'local';
  readonly experiment: string;
  startRun(opts: StartRunOptions): Promise<TrackedRun>;
  /** Runs of this experiment still RUNNING, with their tags (to tell whether their process is gone). */
  runningRuns(): Promise<{ runId: string; name: string; tags: Record<string, string> }[]>;
  /** Ends a run left RUNNING by a process that is gone: FAILED, end time now, tag cvc.abandoned. */
  markFailed(runId: string): Promise<void>;
  /** Releases connections; runs not ended stay RUNNING. */
  close(): Promise<void>;
}

export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const RUN_NAME_TAG = 'mlflow.runName';

export function parentId(parent: TrackedRun | string | undefined): string | undefined {
  return typeof parent === 'string' ? parent : parent?.runId;
}

/** Param values as MLflow stores them: strings, JSON for anything else; a URI's password masked. */
export function paramValue(v: unknown): string {
  if (typeof v === 'string') return maskUserinfo(v);
  if (v === undefined) return 'undefined';
  return maskUserinfo(JSON.stringify(v) ?? String(v));
}
