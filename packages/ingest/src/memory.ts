// The memory of a full rebuild, whose peak is the feature commit: DuckDB's limit and the JS garbage
// that would otherwise sit beside it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full collection of the JS heap. The known-future stage of a rebuild leaves ~200 MB of garbage
 * (promotion objects, per-store typed arrays) that V8 does not collect while the feature commit runs
 * in DuckDB's threads, and that commit is the run's peak of memory: collected, the peak RSS stays
 * lower at the same DuckDB limit.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as (() => void) | undefined)?.();
}

/**
 * Ingest's DuckDB memory limit. The rebuild's sorted feature stage spills below ~1 GB (at 2,000 stores,
 * isolated: 12.9 CPU s at 512 MB, 9.4 at 640 MB, 7.9 at 768 MB), but 640 MB put the whole run's peak
 * RSS at 1,127-1,149 MiB in 2 of 3 runs (bench/ingest-scale.ts, 2 December 2026): 512 MB stays.
 */
export const DEFAULT_MEMORY_LIMIT = '512MB';
