// CSV or Parquet files matched by a glob (exports dropped by another system). DuckDB reads them
// directly; the file type comes from the glob's extension, CSV otherwise.
import { isAbsolute, resolve } from 'node:path';
import type { CvcConfig } from '@cvc/core';
import type { DuckDBConnection } from '@duckdb/node-api';
import { SourceError } from '../errors.js';
import { duckLiteral } from '../names.js';
import { stageQuery } from './duckdb-stage.js';
import { holidaysQuery, promotionsQuery, salesQuery, scheduleQuery, storesQuery, type BuiltQuery } from './select.js';
import type { SalesRange, Source, StageResult } from './source.js';

type FilesConfig = NonNullable<CvcConfig['source']['files']>;

const isParquet = (glob: string) => /\.parquet$/i.test(glob);

/**
 * A DuckDB table function over every file the glob matches; columns are matched by name across files.
 * CSV columns stay the text of the file (the quality gate parses them): types sniffed from whichever
 * files the glob matches today would change how a row reads, and with it its quarantine key.
 */
export function filesFrom(glob: string): string {
  const lit = duckLiteral(glob);
  return isParquet(glob)
    ? `read_parquet(${lit}, union_by_name = true)`
    : `read_csv(${lit}, header = true, union_by_name = true, all_varchar = true)`;
}

export class FilesSource implements Source {
  readonly kind = 'files' as const;
  readonly description: string;
  readonly hasUpdatedAt: boolean;
  private readonly globs: {
    sales: string;
    stores: string;
    promotions?: string;
    holidays?: string;
    storeSchedule?: string;
  };

  /** Relative globs are resolved against `baseDir` (the config file's directory). */
  constructor(
    private readonly config: CvcConfig['source'],
    files: FilesConfig,
    baseDir: string,
  ) {
    const at = (g: string) => (isAbsolute(g) ? g : resolve(baseDir, g));
    this.globs = {
      sales: at(files.sales),
      stores: at(files.stores),
      ...(files.promotions ? { promotions: at(files.promotions) } : {}),
      ...(files.holidays ? { holidays: at(files.holidays) } : {}),
      ...(files.storeSchedule ? { storeSchedule: at(files.storeSchedule) } : {}),
    };
    this.description = `files:${this.globs.sales}`;
    this.hasUpdatedAt = config.columns.updatedAt !== null;
  }

  async check(conn: DuckDBConnection): Promise<void> {
    for (const [key, glob] of Object.entries(this.globs)) {
      const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM glob(${duckLiteral(glob)})`);
      const n = Number(r.getRowObjectsJS()[0]?.['n'] ?? 0);
      if (n === 0) throw new SourceError(`files:${glob}`, `no file matches source.files.${key}`);
    }
  }

  private async run(conn: DuckDBConnection, into: string, query: BuiltQuery, glob: string): Promise<StageResult> {
    try {
      return await stageQuery(conn, into, query);
    } catch (err) {
      throw new SourceError(`files:${glob}`, `cannot read as configured: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  stageSales(conn: DuckDBConnection, into: string, range: SalesRange): Promise<StageResult> {
    const g = this.globs.sales;
    return this.run(conn, into, salesQuery(this.config, 'duckdb', range, filesFrom(g), { text: !isParquet(g) }), g);
  }

  stageStores(conn: DuckDBConnection, into: string): Promise<StageResult> {
    return this.run(conn, into, storesQuery(this.config, 'duckdb', filesFrom(this.globs.stores)), this.globs.stores);
  }

  async stagePromotions(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const g = this.globs.promotions;
    return g ? this.run(conn, into, promotionsQuery(this.config, 'duckdb', filesFrom(g))!, g) : null;
  }

  async stageHolidays(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const g = this.globs.holidays;
    return g ? this.run(conn, into, holidaysQuery(this.config, 'duckdb', filesFrom(g))!, g) : null;
  }

  async stageSchedule(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const g = this.globs.storeSchedule;
    return g ? this.run(conn, into, scheduleQuery(this.config, 'duckdb', filesFrom(g))!, g) : null;
  }

  async close(): Promise<void> {}
}
