// Walking a bundle directory and hashing its files: the listing the manifest stores and checks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BundleIntegrityError } from '../errors.js';
import type { BundleFile } from './manifest.js';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every regular file under `root` as a bundle-relative path with forward slashes, sorted. Symlinks
 * and other special files are refused: a bundle must be self-contained and safe to copy.
 */
export async function listFiles(root: string, skip: ReadonlySet<string> = new Set()): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs).split(sep).join('/');
      if (skip.has(rel)) continue;
      if (entry.isDirectory()) await walk(abs);
      else if (entry.isFile()) out.push(rel);
      else throw new BundleIntegrityError(abs, 'not a regular file or directory (links are not allowed in a bundle)');
    }
  }
  await walk(root);
  return out.sort();
}

export async function describeFiles(root: string, paths: readonly string[]): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  for (const path of paths) {
    const abs = join(root, ...path.split('/'));
    const st = await lstat(abs);
    out.push({ path, sha256: await sha256File(abs), bytes: st.size });
  }
  return out;
}
