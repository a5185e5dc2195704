// The embedded source: a DuckDB database file (the demo source `cvc demo init` writes), attached
// read-only to ingest's connection.
import { existsSync } from 'node:fs';
import type { CvcConfig } from '@cvc/core';
import type { DuckDBConnection } from '@duckdb/node-api';
import { SourceError } from '../errors.js';
import { duckLiteral, quoteName } from '../names.js';
import { stageQuery } from './duckdb-stage.js';
import { holidaysQuery, promotionsQuery, salesQuery, scheduleQuery, storesQuery } from './select.js';
import type { SalesRange, Source, StageResult } from './source.js';

const ALIAS = 'cvc_source';

export class DuckDbSource implements Source {
  readonly kind = 'duckdb' as const;
  readonly description: string;
  readonly hasUpdatedAt: boolean;
  private attachedTo: DuckDBConnection | null = null;

  constructor(
    private readonly config: CvcConfig['source'],
    private readonly path: string,
  ) {
    this.description = `duckdb:${path}`;
    this.hasUpdatedAt = config.columns.updatedAt !== null;
  }

  private async attach(conn: DuckDBConnection): Promise<void> {
    if (this.attachedTo === conn) return;
    if (!existsSync(this.path))
      throw new SourceError(
        this.description,
        'database file not found (set source.duckdb.path, or run `cvc demo init`)',
      );
    await conn.run(`ATTACH ${duckLiteral(this.path)} AS ${ALIAS} (READ_ONLY)`);
    this.attachedTo = conn;
  }

  check(conn: DuckDBConnection): Promise<void> {
    return this.attach(conn);
  }

  private table(name: string | null): string | undefined {
    return name === null ? undefined : `${ALIAS}.${quoteName(name, 'duckdb', 'source table')}`;
  }

  private async run(
    conn: DuckDBConnection,
    into: string,
    query: Parameters<typeof stageQuery>[2],
    what: string,
  ): Promise<StageResult> {
    await this.attach(conn);
    try {
      return await stageQuery(conn, into, query);
    } catch (err) {
      throw new SourceError(
        this.description,
        `cannot read the ${what} as configured: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }

  async stageSales(conn: DuckDBConnection, into: string, range: SalesRange): Promise<StageResult> {
    return this.run(
      conn,
      into,
      salesQuery(this.config, 'duckdb', range, this.table(this.config.tables.sales)),
      `sales table ${this.config.tables.sales}`,
    );
  }

  async stageStores(conn: DuckDBConnection, into: string): Promise<StageResult> {
    return this.run(
      conn,
      into,
      storesQuery(this.config, 'duckdb', this.table(this.config.tables.stores)),
      `stores table ${this.config.tables.stores}`,
    );
  }

  async stagePromotions(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = promotionsQuery(this.config, 'duckdb', this.table(this.config.tables.promotions));
    return q && this.run(conn, into, q, `promotions table ${this.config.tables.promotions}`);
  }

  async stageHolidays(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = holidaysQuery(this.config, 'duckdb', this.table(this.config.tables.holidays));
    return q && this.run(conn, into, q, `holidays table ${this.config.tables.holidays}`);
  }

  async stageSchedule(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = scheduleQuery(this.config, 'duckdb', this.table(this.config.tables.storeSchedule));
    return q && this.run(conn, into, q, `schedule table ${this.config.tables.storeSchedule}`);
  }

  async close(): Promise<void> {
    if (this.attachedTo) await this.attachedTo.run(`DETACH ${ALIAS}`).catch(() => undefined);
    this.attachedTo = null;
  }
}
