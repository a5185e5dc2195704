// A bundle as one .tar.gz file, for copying between machines. Import checks every entry before it
// extracts anything: only plain files and directories, only relative paths that stay inside the
// target. Then the extracted bundle is verified against its manifest.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, Stats } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { create, extract, list, type ReadEntry } from 'tar';
import { MlopsInputError, UnsafeArchiveError } from '../errors.js';
import type { BundleManifest } from './manifest.js';
import { verifyBundle } from './read.js';

/**
 * tar filter that archives every file as a plain file, even when the bundle's files are hard links of
 * each other (a dedup tool, `cp -al`): import refuses link entries, and tar 7.5 packing hard links
 * can finish the archive twice ("write after end", thrown outside any promise). tar passes the filter
 * the lstat result it writes the entry from, so a link count of 1 makes the entry a plain file.
 */
function asPlainFile(_path: string, entry: Stats | ReadEntry): boolean {
  if (entry instanceof Stats) entry.nlink = 1;
  return true;
}

/** Writes `dir` (a verified bundle) as a gzip tarball at `file`. Returns the manifest. */
export async function exportBundle(dir: string, file: string): Promise<BundleManifest> {
  const root = resolve(dir);
  const manifest = await verifyBundle(root);
  const entries = (await readdir(root)).sort();
  const target = resolve(file);
  const tmp = `${target}.tmp-${randomUUID()}`;
  // Node's zlib behind the tar stream is ~3x faster than tar's own gzip option, and level 1 is ~3x
  // faster again: model weights and float text barely compress better at higher levels (<1%).
  try {
    const tar = create({ cwd: root, portable: true, noMtime: true, filter: asPlainFile }, entries);
    await pipeline(tar, createGzip({ level: 1 }), createWriteStream(tmp));
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return manifest;
}

const SAFE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** Why an entry path is unsafe, or undefined when it stays inside `target`. */
export function unsafeEntryReason(target: string, entryPath: string): string | undefined {
  if (entryPath.includes('\0')) return 'NUL in path';
  if (isAbsolute(entryPath) || entryPath.startsWith('/') || /^[A-Za-z]:/.test(entryPath)) return 'absolute path';
  if (entryPath.includes('\\')) return 'backslash in path';
  const segments = entryPath.split('/');
  if (segments.includes('..')) return '".." in path';
  const abs = resolve(target, entryPath);
  if (abs !== target && !abs.startsWith(target + sep)) return 'resolves outside the target directory';
  return undefined;
}

export interface ImportOptions {
  /** Refuse archives whose files add up to more than this (default 20 GiB): a guard against gzip bombs. */
  maxBytes?: number;
}

async function assertEmptyTarget(target: string): Promise<void> {
  try {
    if ((await readdir(target)).length > 0)
      throw new MlopsInputError(`${target}: import target exists and is not empty`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Extracts the bundle archive `file` into `targetDir` (absent or empty) and verifies it. Nothing is
 * written unless every entry is safe; nothing is ever written outside `targetDir`.
 */
export async function importBundle(file: string, targetDir: string, opts: ImportOptions = {}): Promise<BundleManifest> {
  const archive = resolve(file);
  const target = resolve(targetDir);
  const maxBytes = opts.maxBytes ?? 20 * 1024 ** 3;
  await assertEmptyTarget(target);

  let refused: UnsafeArchiveError | undefined;
  let total = 0;
  try {
    const lister = list({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entry.resume();
        if (refused) return;
        if (!SAFE_TYPES.has(entry.type))
          refused = new UnsafeArchiveError(archive, entry.path, `${entry.type} entries are not allowed`);
        else {
          const why = unsafeEntryReason(target, entry.path);
          if (why) refused = new UnsafeArchiveError(archive, entry.path, why);
        }
        total += entry.size ?? 0;
        if (!refused && total > maxBytes)
          refused = new UnsafeArchiveError(archive, entry.path, `archive holds more than ${maxBytes} bytes`);
      },
    });
    await pipeline(createReadStream(archive), createGunzip(), lister);
  } catch (err) {
    throw new MlopsInputError(`${archive}: not a readable .tar.gz bundle (${(err as Error).message})`);
  }
  if (refused) throw refused;

  await mkdir(target, { recursive: true });
  try {
    await extract({
      file: archive,
      cwd: target,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      // Second line of defence in case the archive changed since it was listed.
      filter: (path, entry) =>
        'type' in entry && SAFE_TYPES.has(entry.type) && unsafeEntryReason(target, path) === undefined,
    });
    return await verifyBundle(target);
  } catch (err) {
    await rm(target, { recursive: true, force: true });
    throw err;
  }
}
