// Local-filesystem storage. Create-if-absent uses link(2): it fails with EEXIST when the target
// exists, so two writers can never both create the same commit file, and a reader never sees a
// half-written one (the temp file is complete before it is linked).

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AzureStorage } from './azure.js';
import { isAzureLocation } from './azure-location.js';
import type { FileInfo, Storage } from './storage.js';

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

async function writeDurably(file: string, data: string | Buffer): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.unlink(file).catch(() => undefined);
    // A write through a handle (ENOSPC, EIO) carries no path; the user needs to know which disk filled.
    if (typeof e === 'object' && e !== null && 'code' in e && !(e as NodeJS.ErrnoException).path) {
      (e as NodeJS.ErrnoException).path = file;
    }
    throw e;
  }
  await handle.close();
}

export class LocalStorage implements Storage {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  locate(relPath: string): string {
    return relPath === '' ? this.root : path.join(this.root, ...relPath.split('/'));
  }

  async prepareRead(relPaths: readonly string[]): Promise<string[]> {
    const infos = await Promise.all(relPaths.map((p) => this.stat(p)));
    return relPaths.filter((_, i) => infos[i] === undefined);
  }

  writeLocation(relPath: string): string {
    return this.locate(relPath);
  }

  finishWrite(relPath: string): Promise<FileInfo | undefined> {
    return this.stat(relPath);
  }

  read(relPath: string): Promise<Buffer> {
    return fs.readFile(this.locate(relPath));
  }

  async readIfExists(relPath: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.locate(relPath));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  private tempFor(relPath: string): string {
    const target = this.locate(relPath);
    return path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  }

  async putIfAbsent(relPath: string, data: string | Buffer): Promise<boolean> {
    const tmp = this.tempFor(relPath);
    await writeDurably(tmp, data);
    try {
      await fs.link(tmp, this.locate(relPath));
      return true;
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    } finally {
      await fs.unlink(tmp).catch(() => undefined);
    }
  }

  async put(relPath: string, data: string | Buffer): Promise<void> {
    const tmp = this.tempFor(relPath);
    await writeDurably(tmp, data);
    await fs.rename(tmp, this.locate(relPath));
  }

  async listNames(relDir: string): Promise<string[]> {
    try {
      const entries = await fs.readdir(this.locate(relDir), { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
  }

  async list(relDir: string): Promise<FileInfo[]> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(this.locate(relDir), { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const out: FileInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      const info = await this.stat(rel);
      if (info) out.push(info);
    }
    return out;
  }

  async listRecursive(relDir: string): Promise<FileInfo[]> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(this.locate(relDir), { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const out: FileInfo[] = [];
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) out.push(...(await this.listRecursive(rel)));
      else if (entry.isFile()) {
        const info = await this.stat(rel);
        if (info) out.push(info);
      }
    }
    return out;
  }

  async stat(relPath: string): Promise<FileInfo | undefined> {
    try {
      const s = await fs.stat(this.locate(relPath));
      return { path: relPath, size: s.size, modifiedMs: Math.floor(s.mtimeMs) };
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  async delete(relPath: string): Promise<void> {
    try {
      await fs.unlink(this.locate(relPath));
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }

  async mkdirs(relDir: string): Promise<void> {
    await fs.mkdir(this.locate(relDir), { recursive: true });
  }
}

export function storageFor(table: string): Storage {
  return isAzureLocation(table) ? new AzureStorage(table) : new LocalStorage(table);
}
