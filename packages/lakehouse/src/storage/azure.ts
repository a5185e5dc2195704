// Azure Blob Storage (and ADLS Gen2 through its blob endpoint). Commits are atomic because a Put
// Blob with If-None-Match: * fails with 409/412 when the blob exists: the same create-if-absent
// contract as link(2) locally, so the commit loop's conflict check runs unchanged.
//
// DuckDB cannot reach Azure here (its `azure` extension is downloaded at INSTALL time, from a host
// this machine cannot reach), so DuckDB works on local files: data files are fetched once into a
// cache keyed by blob path and ETag (Delta data files are immutable, so a cached copy stays valid),
// and new files are written to scratch space and uploaded in blocks.

import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { DeltaError, StorageAuthError } from '../errors.js';
import { accountLabel, azureAuthKind, containerClient, maskAzureSecrets, type AzureAuthKind } from './azure-client.js';
import { AzureLocationError, parseAzureLocation, type AzureLocation } from './azure-location.js';
import type { FileInfo, Storage } from './storage.js';

/** Local cache of blobs DuckDB reads; CVC_LAKE_CACHE moves it (e.g. to a larger disk). */
export function lakeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['CVC_LAKE_CACHE'] ?? path.join(os.tmpdir(), 'cvc-lake-cache');
}

const UPLOAD_BLOCK_BYTES = 8 * 1024 * 1024;

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { statusCode?: unknown }).statusCode === 'number'
    ? (e as { statusCode: number }).statusCode
    : undefined;
}

function errorCodeOf(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((e as Error).name ?? 'error');
}

/** @azure/identity's failures to get a token at all (no status: the storage request was never sent). */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);

const AUTH_HINT: Record<AzureAuthKind, string> = {
  'connection-string': 'check the key in AZURE_STORAGE_CONNECTION_STRING',
  'account-key': 'check AZURE_STORAGE_ACCOUNT_KEY',
  sas: "check AZURE_STORAGE_SAS_TOKEN's expiry and permissions",
  'default-credential':
    'DefaultAzureCredential is in use: its token must be for https://storage.azure.com and unexpired, and its ' +
    'identity needs a Storage Blob Data role on the container',
};

/** One GET for the whole blob (downloadToBuffer asks for the properties first: two round trips). */
async function getWhole(b: BlockBlobClient): Promise<Buffer> {
  const res = await b.download(0);
  const chunks: Buffer[] = [];
  for await (const chunk of res.readableStreamBody!) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export class AzureStorage implements Storage {
  readonly root: string;
  private readonly location: AzureLocation;
  private readonly client: Promise<ContainerClient>;
  /** relPath -> local copy, for files prepared for DuckDB or written by it. */
  private readonly local = new Map<string, string>();
  /** relPath -> scratch file DuckDB is writing, until finishWrite uploads it. */
  private readonly scratch = new Map<string, string>();

  constructor(root: string) {
    try {
      this.location = parseAzureLocation(root);
    } catch (e) {
      // The query string (where a SAS would sit) stays out of the table name in the message.
      if (e instanceof AzureLocationError) {
        throw new DeltaError('INVALID_ARGUMENT', root.split('?')[0]!, undefined, e.message);
      }
      throw e;
    }
    this.root = this.location.url;
    this.client = containerClient(this.location);
    // Errors surface on first use, with the table named; an unhandled rejection must not kill the process first.
    this.client.catch(() => undefined);
  }

  private blobName(relPath: string): string {
    return [this.location.prefix, relPath].filter((p) => p !== '').join('/');
  }

  private async blob(relPath: string): Promise<BlockBlobClient> {
    let client: ContainerClient;
    try {
      client = await this.client;
    } catch (e) {
      throw new DeltaError('IO', this.root, undefined, maskAzureSecrets((e as Error).message), { cause: undefined });
    }
    return client.getBlockBlobClient(this.blobName(relPath));
  }

  /** A storage failure as a DeltaError naming the file and the HTTP status, never the request or credential. */
  private fail(op: string, relPath: string, e: unknown): DeltaError {
    if (e instanceof DeltaError) return e;
    const status = statusOf(e);
    const detail = maskAzureSecrets(`${status === undefined ? '' : `HTTP ${status} `}${errorCodeOf(e)}`);
    const what = `azure ${op} of ${relPath || '(table root)'} failed: ${detail}`;
    const name = e instanceof Error ? e.name : '';
    if (status === 401 || status === 403 || CREDENTIAL_ERRORS.has(name)) {
      // Which account and container refused which kind of credential; never the credential itself.
      const kind = azureAuthKind();
      const where = `account ${accountLabel(this.location)}, container ${this.location.container}`;
      const why =
        status === undefined
          ? `no token for ${where}: ${maskAzureSecrets(((e as Error).message.split('\n')[0] ?? '').slice(0, 300))}`
          : `${where} refused the ${kind} credential`;
      return new StorageAuthError('IO', this.root, undefined, `${what}; ${why}; ${AUTH_HINT[kind]}`);
    }
    return new DeltaError('IO', this.root, undefined, what);
  }

  private async call<T>(op: string, relPath: string, fn: (b: BlockBlobClient) => Promise<T>): Promise<T> {
    const b = await this.blob(relPath);
    try {
      return await fn(b);
    } catch (e) {
      throw this.fail(op, relPath, e);
    }
  }

  locate(relPath: string): string {
    const copy = this.local.get(relPath);
    if (copy === undefined) {
      throw new DeltaError(
        'IO',
        this.root,
        undefined,
        `${relPath} was not fetched before DuckDB read it (internal error)`,
      );
    }
    return copy;
  }

  private cachePath(relPath: string, etag: string): string {
    const key = createHash('sha256')
      .update(`${this.location.account ?? ''}\u0000${this.location.container}\u0000` + this.blobName(relPath))
      .digest('hex')
      .slice(0, 40);
    const tag = etag.replace(/[^A-Za-z0-9]/g, '');
    return path.join(lakeCacheDir(), `${key}-${tag}${path.posix.extname(relPath)}`);
  }

  async prepareRead(relPaths: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    const queue = [...new Set(relPaths)];
    const fetchOne = async (rel: string): Promise<void> => {
      const info = await this.call('read properties', rel, (b) =>
        b.getProperties().catch((e: unknown) => {
          if (statusOf(e) === 404) return undefined;
          throw e;
        }),
      );
      if (!info?.etag) {
        missing.push(rel);
        return;
      }
      const target = this.cachePath(rel, info.etag);
      const have = await fs.stat(target).catch(() => undefined);
      if (!have || have.size !== info.contentLength) {
        await fs.mkdir(path.dirname(target), { recursive: true });
        const tmp = `${target}.${randomUUID()}.part`;
        try {
          // Pinned to the ETag just read: a blob replaced in between fails instead of mixing versions.
          await this.call('download', rel, (b) =>
            b.downloadToFile(tmp, 0, undefined, { conditions: { ifMatch: info.etag } }),
          );
          await fs.rename(tmp, target);
        } finally {
          await fs.unlink(tmp).catch(() => undefined);
        }
      }
      this.local.set(rel, target);
    };
    // A few requests in flight: latency, not bandwidth, dominates many small files.
    const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
      for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) await fetchOne(rel);
    });
    await Promise.all(workers);
    return relPaths.filter((p) => missing.includes(p));
  }

  writeLocation(relPath: string): string {
    const dir = path.join(lakeCacheDir(), 'staging');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${randomUUID()}${path.posix.extname(relPath)}`);
    this.scratch.set(relPath, file);
    return file;
  }

  async finishWrite(relPath: string): Promise<FileInfo | undefined> {
    const file = this.scratch.get(relPath);
    if (file === undefined) return undefined;
    const size = (await fs.stat(file).catch(() => undefined))?.size;
    if (size === undefined) return undefined;
    const res = await this.call('upload', relPath, (b) =>
      b.uploadFile(file, {
        blockSize: UPLOAD_BLOCK_BYTES,
        concurrency: 4,
        blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
      }),
    );
    this.scratch.delete(relPath);
    // The uploaded bytes are what a later read of this file would fetch: keep them as its cached copy.
    if (res.etag) {
      const cached = this.cachePath(relPath, res.etag);
      await fs.rename(file, cached);
      this.local.set(relPath, cached);
    } else {
      await fs.unlink(file).catch(() => undefined);
    }
    return { path: relPath, size, modifiedMs: (res.lastModified ?? new Date()).getTime() };
  }

  async read(relPath: string): Promise<Buffer> {
    return this.call('read', relPath, getWhole);
  }

  async readIfExists(relPath: string): Promise<Buffer | undefined> {
    return this.call('read', relPath, (b) =>
      getWhole(b).catch((e: unknown) => {
        if (statusOf(e) === 404) return undefined;
        throw e;
      }),
    );
  }

  async putIfAbsent(relPath: string, data: string | Buffer): Promise<boolean> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    return this.call('conditional put', relPath, async (b) => {
      try {
        await b.upload(body, body.length, { conditions: { ifNoneMatch: '*' } });
        return true;
      } catch (e) {
        // 409 BlobAlreadyExists or 412 ConditionNotMet: another writer created it first.
        const status = statusOf(e);
        if (status === 409 || status === 412) return false;
        throw e;
      }
    });
  }

  async put(relPath: string, data: string | Buffer): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    // A single Put Blob replaces the blob whole: readers see the old or the new content.
    await this.call('put', relPath, (b) => b.upload(body, body.length));
  }

  private async listing(relDir: string, recursive: boolean): Promise<FileInfo[]> {
    const dir = this.blobName(relDir);
    const prefix = dir === '' ? '' : `${dir}/`;
    const base = this.location.prefix === '' ? '' : `${this.location.prefix}/`;
    const client = await this.blob(relDir).then(() => this.client);
    const out: FileInfo[] = [];
    try {
      const items = recursive ? client.listBlobsFlat({ prefix }) : client.listBlobsByHierarchy('/', { prefix });
      for await (const item of items) {
        if ('kind' in item && item.kind === 'prefix') continue;
        const blobItem = item as { name: string; properties: { contentLength?: number; lastModified: Date } };
        out.push({
          path: blobItem.name.slice(base.length),
          size: blobItem.properties.contentLength ?? 0,
          modifiedMs: blobItem.properties.lastModified.getTime(),
        });
      }
    } catch (e) {
      // A missing container lists as empty, as a missing directory does locally.
      if (statusOf(e) === 404) return [];
      throw this.fail('list', relDir, e);
    }
    return out;
  }

  async listNames(relDir: string): Promise<string[]> {
    return (await this.listing(relDir, false)).map((f) => path.posix.basename(f.path));
  }

  list(relDir: string): Promise<FileInfo[]> {
    return this.listing(relDir, false);
  }

  listRecursive(relDir: string): Promise<FileInfo[]> {
    return this.listing(relDir, true);
  }

  async stat(relPath: string): Promise<FileInfo | undefined> {
    const props = await this.call('read properties', relPath, (b) =>
      b.getProperties().catch((e: unknown) => {
        if (statusOf(e) === 404) return undefined;
        throw e;
      }),
    );
    if (!props) return undefined;
    return { path: relPath, size: props.contentLength ?? 0, modifiedMs: (props.lastModified ?? new Date(0)).getTime() };
  }

  async delete(relPath: string): Promise<void> {
    const pending = this.scratch.get(relPath);
    if (pending !== undefined) {
      this.scratch.delete(relPath);
      await fs.unlink(pending).catch(() => undefined);
    }
    this.local.delete(relPath);
    await this.call('delete', relPath, (b) => b.deleteIfExists());
  }

  async mkdirs(relDir: string): Promise<void> {
    // Blob storage has no directories, only the container, created for a new table's first commit.
    if (relDir !== '') return;
    const client = await this.blob('').then(() => this.client);
    try {
      await client.createIfNotExists();
    } catch (e) {
      // A SAS or role scoped to blobs may not create containers; the container may exist already.
      if (statusOf(e) !== 403) throw this.fail('create container for', relDir, e);
    }
  }
}
