// The few things the log needs from storage: local disk (local.ts) or Azure Blob Storage (azure.ts).
// An object store must offer a create-if-absent put (If-None-Match: *) for commits to stay atomic.
// DuckDB reads and writes only local files: a remote store hands it local copies (prepareRead) and
// publishes what it wrote (writeLocation, then finishWrite).

export interface FileInfo {
  /** Path relative to the table root, with '/' separators. */
  path: string;
  size: number;
  modifiedMs: number;
}

export interface Storage {
  /** The table's location: an absolute local path or the Azure URL as configured. */
  readonly root: string;
  /** Where DuckDB reads the file: the file itself, or (remote) its local copy made by prepareRead. */
  locate(relPath: string): string;
  /** Makes the files readable at locate(); returns the ones that do not exist. */
  prepareRead(relPaths: readonly string[]): Promise<string[]>;
  /** Where DuckDB writes a new file; it exists in the table only after finishWrite. */
  writeLocation(relPath: string): string;
  /** Publishes the file written at writeLocation(relPath) (remote: uploads it) and describes it. */
  finishWrite(relPath: string): Promise<FileInfo | undefined>;
  read(relPath: string): Promise<Buffer>;
  /** Undefined when the file does not exist. */
  readIfExists(relPath: string): Promise<Buffer | undefined>;
  /** Creates the file only if absent; returns false when it already exists (another writer won). */
  putIfAbsent(relPath: string, data: string | Buffer): Promise<boolean>;
  /** Replaces the file atomically (readers see the old or the new content, never a mix). */
  put(relPath: string, data: string | Buffer): Promise<void>;
  /** Names of the files directly inside a directory, without stat calls (cheap for large logs). */
  listNames(relDir: string): Promise<string[]>;
  /** Files directly inside a directory (not recursive); empty when the directory is absent. */
  list(relDir: string): Promise<FileInfo[]>;
  /** Every file below the root, recursively. */
  listRecursive(relDir: string): Promise<FileInfo[]>;
  stat(relPath: string): Promise<FileInfo | undefined>;
  delete(relPath: string): Promise<void>;
  mkdirs(relDir: string): Promise<void>;
}
