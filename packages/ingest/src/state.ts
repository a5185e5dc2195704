// Ingest's own state, kept as properties of the feature table and committed with it: a crash before
// the feature commit leaves the old watermark, so the next run simply reads the same rows again.
import { loadSnapshot, tableExists } from '@cvc/lakehouse';
import type { StaticColumn } from '@cvc/core';
import { FUTURE_COLUMNS_PROPERTY, STATIC_COLUMNS_PROPERTY } from '@cvc/feature-table';

export const PROP = {
  watermark: 'cvc.ingest.watermark',
  watermarkKind: 'cvc.ingest.watermarkKind',
  firstDay: 'cvc.ingest.firstDay',
  lastDay: 'cvc.ingest.lastDay',
  referenceHash: 'cvc.ingest.referenceHash',
  /** The promotions part of referenceHash: {of: promotions content hash, day, hash}, so a daily run moves it on. */
  promotionsHash: 'cvc.ingest.promotionsHash',
  extra: 'cvc.ingest.extraColumns',
  /** The carried columns that are known ahead (source.columns.future); readers put them with the future inputs. */
  future: FUTURE_COLUMNS_PROPERTY,
  /** The store statics the rows carry (source.storeColumns.statics, with their kinds). */
  statics: STATIC_COLUMNS_PROPERTY,
  source: 'cvc.ingest.source',
} as const;

export interface IngestState {
  exists: boolean;
  version: number | null;
  /** ISO timestamp (updated_at kind) or ISO day (date kind). */
  watermark: string | null;
  watermarkKind: 'updated_at' | 'date' | null;
  firstDay: string | null;
  lastDay: string | null;
  referenceHash: string | null;
  /** promotionsHash at `day` of the promotions whose content hash is `of` (null: not kept). */
  promotionsHash: { of: string; day: string; hash: string } | null;
  extra: string[];
  statics: StaticColumn[];
}

export async function readIngestState(features: string): Promise<IngestState> {
  if (!(await tableExists(features))) {
    return {
      exists: false,
      version: null,
      watermark: null,
      watermarkKind: null,
      firstDay: null,
      lastDay: null,
      referenceHash: null,
      promotionsHash: null,
      extra: [],
      statics: [],
    };
  }
  const snap = await loadSnapshot(features);
  const p = snap.properties;
  const kind = p[PROP.watermarkKind];
  return {
    exists: true,
    version: snap.version,
    watermark: p[PROP.watermark] || null,
    watermarkKind: kind === 'updated_at' || kind === 'date' ? kind : null,
    firstDay: p[PROP.firstDay] || null,
    lastDay: p[PROP.lastDay] || null,
    referenceHash: p[PROP.referenceHash] || null,
    promotionsHash: keptPromotionsHash(p[PROP.promotionsHash]),
    extra: p[PROP.extra] ? (JSON.parse(p[PROP.extra]) as string[]) : [],
    statics: p[PROP.statics] ? (JSON.parse(p[PROP.statics]) as StaticColumn[]) : [],
  };
}

function keptPromotionsHash(value: string | undefined): IngestState['promotionsHash'] {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    const ok = typeof v['of'] === 'string' && typeof v['day'] === 'string' && typeof v['hash'] === 'string';
    return ok ? { of: v['of'] as string, day: v['day'] as string, hash: v['hash'] as string } : null;
  } catch {
    // Only a shortcut: a property that does not parse means hashing the promotions again.
    return null;
  }
}
