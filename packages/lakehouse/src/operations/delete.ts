// DELETE WHERE: copy-on-write removal of the matching rows, one commit (also when nothing matches,
// so the caller's lineage is always recorded).

import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from '../errors.js';
import { fragment } from '../sql.js';
import { commit, type CommitResult } from '../transaction/commit.js';
import { isAppendOnly } from '../transaction/protocol.js';
import {
  alreadyApplied,
  openForWrite,
  propertyActions,
  readingCommit,
  txnActions,
  type CommitOptions,
} from './context.js';
import { rewriteMatching } from './rewrite-matching.js';

export async function deleteWhere(
  conn: DuckDBConnection,
  table: string,
  predicateSql: string,
  opts: CommitOptions = {},
): Promise<CommitResult> {
  const predicate = fragment(predicateSql);
  const ctx = await openForWrite(table);
  const skip = alreadyApplied(ctx, 'DELETE', opts.txn);
  if (skip) return skip;
  const rewrite = await rewriteMatching(conn, ctx, predicate);
  if (rewrite.removed.length > 0 && isAppendOnly(ctx.snapshot.metadata)) {
    throw new DeltaError(
      'APPEND_ONLY',
      table,
      ctx.snapshot.version,
      'delete would remove data but the table has delta.appendOnly=true',
    );
  }
  return commit(
    ctx.storage,
    table,
    {
      operation: 'DELETE',
      operationParameters: { predicate: JSON.stringify([predicate]) },
      metrics: {
        numDeletedRows: rewrite.rowsDeleted,
        numRemovedFiles: rewrite.removed.length,
        numAddedFiles: rewrite.filesAdded,
        numCopiedRows: rewrite.rowsCopied,
      },
      actions: [...propertyActions(ctx.snapshot, opts.properties), ...txnActions(opts.txn), ...rewrite.actions],
      ...readingCommit(ctx, opts, { readPaths: rewrite.scanned, removedPaths: rewrite.removed }),
    },
    opts,
  );
}
