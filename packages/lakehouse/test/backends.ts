// The storage backends every parametrised lakehouse test runs on: a local temp dir, and Azurite
// (the Azure Storage emulator, from the azurite npm package) on a free loopback port with a temp-dir
// store, started before a suite and stopped after it. Child processes (the append workers) reach
// Azurite through the connection string the suite puts in the environment.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { storageFor } from '../src/storage/local.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const AZURITE = path.resolve(here, '../../../node_modules/azurite/dist/src/blob/main.js');

/** Azurite's published development account (the same in every install, not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Backend {
  name: 'local' | 'azurite';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh table location for this name. */
  table(name: string): string;
  /** File names directly in a table directory (e.g. '' or '_delta_log'), through the storage layer. */
  names(table: string, dir: string): Promise<string[]>;
  /** delta-rs storage_options for this backend (empty for local). */
  storageOptions(): Record<string, string>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  // Up to 60 s: on a loaded machine Azurite's start alone can take over 10 s.
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`azurite exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`azurite did not listen on ${port}: ${log()}`);
}

export interface Azurite {
  port: number;
  connectionString: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Azurite on a free port (or `port`). With `tls` (a PEM cert and key) it serves HTTPS, and with `oauth`
 * it accepts bearer tokens too, checking their issuer, audience and expiry (not their signature): its `--oauth
 * basic`, which Azurite allows over HTTPS only.
 */
export async function startAzurite(
  opts: { tls?: { cert: string; key: string }; oauth?: boolean; port?: number } = {},
): Promise<Azurite> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cvc-azurite-'));
  const port = opts.port ?? (await freePort());
  const extra = opts.tls ? ['--cert', opts.tls.cert, '--key', opts.tls.key] : [];
  if (opts.oauth) extra.push('--oauth', 'basic');
  const child = spawn(
    process.execPath,
    [
      AZURITE,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dir,
      '--silent',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitForPort(port, child, () => out);
  const scheme = opts.tls ? 'https' : 'http';
  const blobEndpoint = `${scheme}://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    port,
    blobEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=${scheme};AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${blobEndpoint};`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        // Its store is a temp dir we delete: no graceful shutdown (which waits on idle keep-alive sockets).
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Blob names under a prefix, listed with the SDK directly (for tests outside this package too). */
export async function listBlobNames(connectionString: string, container: string, prefix: string): Promise<string[]> {
  const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  const out: string[] = [];
  for await (const b of client.listBlobsFlat({ prefix })) out.push(b.name);
  return out;
}

function localBackend(): Backend {
  let dir = '';
  return {
    name: 'local',
    start: async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'cvc-delta-'));
    },
    stop: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
    table: (name) => path.join(dir, name),
    names: (table, sub) => storageFor(table).listNames(sub),
    storageOptions: () => ({}),
  };
}

let containers = 0;

function azuriteBackend(): Backend {
  let azurite: Azurite | undefined;
  let previous: string | undefined;
  let cache = '';
  let previousCache: string | undefined;
  const container = `t${process.pid}x${containers++}`;
  return {
    name: 'azurite',
    start: async () => {
      azurite = await startAzurite();
      previous = process.env['AZURE_STORAGE_CONNECTION_STRING'];
      previousCache = process.env['CVC_LAKE_CACHE'];
      cache = mkdtempSync(path.join(os.tmpdir(), 'cvc-lake-cache-'));
      process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
      process.env['CVC_LAKE_CACHE'] = cache;
    },
    stop: async () => {
      if (previous === undefined) delete process.env['AZURE_STORAGE_CONNECTION_STRING'];
      else process.env['AZURE_STORAGE_CONNECTION_STRING'] = previous;
      if (previousCache === undefined) delete process.env['CVC_LAKE_CACHE'];
      else process.env['CVC_LAKE_CACHE'] = previousCache;
      rmSync(cache, { recursive: true, force: true });
      await azurite?.stop();
    },
    table: (name) => `az://${container}/lake/${name}`,
    // Listed with the SDK directly, not through the code under test: proves the blobs are in Azurite.
    names: async (table, sub) => {
      const prefix = `${table.slice(`az://${container}/`.length)}/${sub === '' ? '' : `${sub}/`}`;
      const client = BlobServiceClient.fromConnectionString(azurite!.connectionString).getContainerClient(container);
      const out: string[] = [];
      for await (const item of client.listBlobsByHierarchy('/', { prefix })) {
        if (item.kind === 'blob') out.push(item.name.slice(prefix.length));
      }
      return out;
    },
    // object_store's emulator switch assumes port 10000; an explicit endpoint reaches any port.
    storageOptions: () => ({
      account_name: DEV_ACCOUNT,
      account_key: DEV_KEY,
      endpoint: azurite!.blobEndpoint,
      allow_http: 'true',
    }),
  };
}

/** One instance of each backend, for `describe.each(backends())`. */
export function backends(): Backend[] {
  return [localBackend(), azuriteBackend()];
}
