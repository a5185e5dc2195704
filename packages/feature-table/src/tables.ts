// Where the shared tables live: one Delta table per directory under the lake root, named in config.
import { join } from 'node:path';
import type { LoadedConfig } from '@cvc/core';

export interface LakeTables {
  features: string;
  quarantine: string;
  stores: string;
  promotions: string;
  holidays: string;
  /** The planned opening schedule ingest copies from the source (absent when none is configured). */
  storeSchedule: string;
}

/** Absolute paths of the ingest-maintained tables for a loaded config. */
export function lakeTables(loaded: Pick<LoadedConfig, 'config' | 'paths'>): LakeTables {
  const t = loaded.config.lake.tables;
  const at = (name: string) => join(loaded.paths.lake, name);
  return {
    features: at(t.features),
    quarantine: at(t.quarantine),
    stores: at(t.stores),
    promotions: at(t.promotions),
    holidays: at(t.holidays),
    storeSchedule: at(t.storeSchedule),
  };
}
