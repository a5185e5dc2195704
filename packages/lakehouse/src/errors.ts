// One error type for every Delta failure, so callers can tell the user which table and version broke.

export type DeltaErrorCode =
  | 'TABLE_NOT_FOUND'
  | 'TABLE_EXISTS'
  | 'CORRUPT_LOG'
  | 'MISSING_FILE'
  | 'UNSUPPORTED_FEATURE'
  | 'CONFLICT'
  | 'SCHEMA_MISMATCH'
  | 'INVALID_ARGUMENT'
  | 'VERSION_NOT_FOUND'
  | 'NULL_IN_NON_NULLABLE'
  | 'PREDICATE_VIOLATION'
  | 'APPEND_ONLY'
  | 'IO';

export class DeltaError extends Error {
  override readonly name = 'DeltaError';
  readonly code: DeltaErrorCode;
  readonly table: string;
  readonly version: number | undefined;

  constructor(
    code: DeltaErrorCode,
    table: string,
    version: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const where = version === undefined ? `table ${table}` : `table ${table} at version ${version}`;
    super(`${where}: ${detail}`, options);
    this.code = code;
    this.table = table;
    this.version = version;
  }
}

/**
 * The storage account refused the credential, or no credential could be had: the user's to fix (a key,
 * a SAS, a token's audience or expiry, a role on the container), so the CLI exits 2. Still code 'IO'.
 */
export class StorageAuthError extends DeltaError {
  readonly exitCode = 2;
}

export function isDeltaError(e: unknown, code?: DeltaErrorCode): e is DeltaError {
  return e instanceof DeltaError && (code === undefined || e.code === code);
}
