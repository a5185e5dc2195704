// What both registry backends (local directories, MLflow Model Registry) offer the steps:
// train registers and maybe promotes, infer resolves an alias to a bundle directory, the CLI lists,
// shows, promotes and rolls back.
import type { PromoteRule } from './promotion.js';

export interface ModelVersionInfo {
  name: string;
  version: number;
  createdAt: string;
  bundleId: string;
  /** Backtest WAPE of the routed choice (manifest.backtest.wape). */
  wape: number | null;
  /** Stores the bundle routes to each model kind, and the fallback kind; null when the registry does not say. */
  routes: VersionRoutes | null;
  runId: string | null;
  aliases: string[];
  /** Where the bundle lives: a local directory, or the MLflow source URI. */
  source: string;
  description: string | null;
}

export interface VersionRoutes {
  stores: Record<string, number>;
  fallback: string;
}

export interface RegisterOptions {
  /** Tracking run that produced the bundle (lineage; required for the MLflow registry). */
  runId?: string;
  description?: string;
  /** Applied right after registration; default manual. */
  promote?: PromoteRule;
  /** Alias promotion moves (default champion). */
  alias?: string;
}

export interface RegisterResult {
  version: number;
  promoted: boolean;
  reason: string;
  info: ModelVersionInfo;
}

export interface ResolvedVersion {
  version: number;
  /** Local directory holding the verified bundle (downloaded first for MLflow). */
  bundleDir: string;
  info: ModelVersionInfo;
}

export interface ModelRegistry {
  readonly backend: 'local' | 'azure' | 'mlflow' | 'unity-catalog';
  readonly name: string;
  register(bundleDir: string, opts?: RegisterOptions): Promise<RegisterResult>;
  list(): Promise<ModelVersionInfo[]>;
  show(versionOrAlias: number | string): Promise<ModelVersionInfo>;
  setAlias(alias: string, version: number): Promise<void>;
  /** setAlias(alias ?? 'champion', version). */
  promote(version: number, alias?: string): Promise<void>;
  /** Moves `alias` (default champion) back to the version it pointed to before. */
  rollback(alias?: string): Promise<{ from: number; to: number }>;
  resolve(aliasOrVersion: number | string): Promise<ResolvedVersion>;
  /**
   * Registry on an object store only: removes bundle uploads no version claims once idle for `graceMs`
   * (a registration that crashed mid-upload) and compacts the alias log.
   */
  collectGarbage?(opts: { graceMs: number }): Promise<GarbageReport>;
}

export interface GarbageReport {
  /** Bundle folders removed: uploads no version claims, idle past the grace period. */
  collected: string[];
  /** Unclaimed folders left alone: written to within the grace period, or claimed by a live registration. */
  young: string[];
  /** State files of the alias log removed by its compaction. */
  statesCompacted: number;
}
