// The few things the log needs from storage. Local disk now; an object store later must offer a
// create-if-absent put (S3 conditional writes, GCS preconditions) for commits to stay atomic.

export interface FileInfo {
  /** Path relative to the table root, with '/' separators. */
  path: string;
  size: number;
  modifiedMs: number;
}

export interface Storage {
  /** Absolute location DuckDB can read and write (a local path, or later an s3:// URL). */
  readonly root: string;
  locate(relPath: string): string;
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
