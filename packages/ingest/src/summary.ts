// What one ingest run did: printed by the CLI, asserted by tests, timed by the benchmarks.

export interface IngestSummary {
  runId: string;
  source: string;
  /** full: everything reloaded; incremental: since the watermark; range: --from/--to. */
  mode: 'full' | 'incremental' | 'range';
  /** True when every store's rows were recomputed (first load, --full, or changed reference data). */
  rebuilt: boolean;
  rowsRead: number;
  rowsValid: number;
  /** Valid rows dropped as older re-sends of the same (store, date) within this read. */
  duplicates: number;
  /** (store, date) observations that differ from the feature table (new, or a newer correction). */
  observationsChanged: number;
  /** Feature-table rows written (changed observations, filled missing days and recomputed windows). */
  rowsMerged: number;
  rowsQuarantined: number;
  /** Quarantined rows of this run by reason (sales and reference rows). */
  quarantinedByReason: Record<string, number>;
  /** Of those, rows not already in the quarantine table. */
  quarantineNew: number;
  stores: number;
  firstDay: string | null;
  lastDay: string | null;
  watermarkBefore: string | null;
  watermarkAfter: string | null;
  seconds: number;
  /** Delta versions committed by this run (null = table not written). */
  versions: {
    features: number | null;
    optimize: number | null;
    quarantine: number | null;
    stores: number | null;
    promotions: number | null;
    holidays: number | null;
  };
}

export type IngestStage = 'reference' | 'read' | 'gate' | 'dedup' | 'features' | 'commit' | 'optimize' | 'done';

export interface IngestProgress {
  stage: IngestStage;
  message: string;
  rows?: number;
}
