// Streams one query's result set in batches: the request is paused while a batch is written to
// DuckDB and resumed after, so memory holds at most one batch whatever the table size.

/** The part of an mssql Request (stream mode) this code uses; tests pass a fake. */
export interface StreamingRequest {
  stream: boolean;
  input(name: string, value: unknown): unknown;
  query(sql: string): unknown;
  pause(): unknown;
  resume(): unknown;
  cancel?(): unknown;
  on(event: 'recordset', listener: (columns: Record<string, import('./types.js').ColumnMetadataLike>) => void): unknown;
  on(event: 'row', listener: (row: Record<string, unknown>) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'done', listener: () => void): unknown;
}

export interface BatchSink {
  /** Called once, with the result's column metadata, before the first batch. */
  begin(columns: Record<string, import('./types.js').ColumnMetadataLike>): Promise<void>;
  write(rows: Record<string, unknown>[]): Promise<void>;
}

/**
 * Runs `sql` with `params` bound by name and feeds the rows to `sink` in batches of `batchSize`.
 * Resolves to the row count.
 */
export function streamQuery(
  request: StreamingRequest,
  sql: string,
  params: Record<string, unknown>,
  batchSize: number,
  sink: BatchSink,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    request.stream = true;
    for (const [k, v] of Object.entries(params)) request.input(k, v);
    let batch: Record<string, unknown>[] = [];
    let total = 0;
    let failed: unknown = null;
    let begun = false;
    // Writes are chained so batches reach DuckDB in order, one at a time.
    let chain: Promise<void> = Promise.resolve();
    const fail = (err: unknown) => {
      failed ??= err;
    };
    request.on('recordset', (columns) => {
      if (begun) return; // only the first result set is read
      begun = true;
      chain = chain.then(() => sink.begin(columns)).catch(fail);
    });
    request.on('row', (row) => {
      if (failed) return;
      batch.push(row);
      total++;
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        request.pause();
        chain = chain
          .then(() => (failed ? undefined : sink.write(full)))
          .then(
            () => {
              request.resume();
            },
            (err: unknown) => {
              fail(err);
              request.cancel?.();
              request.resume();
            },
          );
      }
    });
    request.on('error', fail);
    request.on('done', () => {
      void chain
        .then(async () => {
          if (failed) throw failed;
          if (batch.length > 0) await sink.write(batch);
          batch = [];
        })
        .then(() => resolve(total), reject);
    });
    request.query(sql);
  });
}
