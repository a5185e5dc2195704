// Files below a local directory as '/'-separated relative paths (what the Storage layer names them by).
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/** Regular files below `folder`, symlinks to files followed (as cp's dereference did). */
export async function filesBelow(folder: string): Promise<string[]> {
  const dir = resolve(folder);
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const abs = join(e.parentPath, e.name);
    if (e.isFile() || (e.isSymbolicLink() && (await stat(abs)).isFile()))
      out.push(relative(dir, abs).split(sep).join('/'));
  }
  return out;
}
