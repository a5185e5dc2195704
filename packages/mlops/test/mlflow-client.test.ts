// The REST client's retry and auth behaviour against a tiny fake server, and batch splitting.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BATCH_LIMITS,
  createMlflowClient,
  downloadArtifacts,
  MlflowError,
  mlflowClientFor,
  mlflowTarget,
  MlopsInputError,
  openTracker,
  splitBatches,
} from './imports.js';
import { tempDir } from './fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: { close: () => void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function fake(handler: Handler): Promise<string> {
  const srv = createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  servers.push(srv);
  const addr = srv.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

describe('MLflow REST client', () => {
  it('retries 429 and 5xx with backoff, sends the bearer token and never puts it in messages', async () => {
    let calls = 0;
    const auth: (string | undefined)[] = [];
    const uri = await fake((req, res) => {
      calls++;
      auth.push(req.headers.authorization);
      if (calls === 1) return void res.writeHead(429, { 'Retry-After': '0' }).end('slow down');
      if (calls === 2) return void res.writeHead(503).end('busy');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"experiment":{"experiment_id":"7","name":"e"}}');
    });
    const warnings: string[] = [];
    const client = createMlflowClient({
      uri,
      token: 'dapi-secret-token',
      retryBaseMs: 1,
      warn: (m, f) => warnings.push(m + JSON.stringify(f)),
    });
    const res = await client.call(
      'GET',
      'experiments/get-by-name',
      { experiment_name: 'e' },
      z.object({ experiment: z.object({ experiment_id: z.string() }) }),
    );
    expect(res.experiment.experiment_id).toBe('7');
    expect(calls).toBe(3);
    expect(auth).toEqual(Array(3).fill('Bearer dapi-secret-token'));
    expect(warnings).toHaveLength(2);
    expect(warnings.join()).not.toContain('dapi-secret-token');
  });

  it('sends user:password@ from the URI as Basic auth and keeps it out of URLs, warnings and errors', async () => {
    const auth: (string | undefined)[] = [];
    let calls = 0;
    const base = await fake((req, res) => {
      auth.push(req.headers.authorization);
      if (++calls === 1) return void res.writeHead(503).end('busy');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    const uri = base.replace('http://', 'http://cvc:p%40ss-7781@');
    const warnings: string[] = [];
    const warn = (m: string, f?: Record<string, unknown>) => void warnings.push(m + JSON.stringify(f));
    const client = createMlflowClient({ uri, retryBaseMs: 1, warn });
    expect(client.baseUrl).toBe(base);
    await client.call('GET', 'experiments/list', {}, z.object({}));
    expect(auth).toEqual(Array(2).fill(`Basic ${Buffer.from('cvc:p@ss-7781').toString('base64')}`));
    const down = createMlflowClient({ uri: 'http://cvc:p%40ss-7781@127.0.0.1:9', maxRetries: 1, retryBaseMs: 1, warn });
    const err = (await down.call('GET', 'x', {}, z.object({})).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/unreachable after 2 attempts/);
    const bad = (await Promise.resolve()
      .then(() => createMlflowClient({ uri: 'ftp://cvc:p%40ss-7781@h' }))
      .catch((e: unknown) => e)) as Error;
    for (const text of [...warnings, err.message, bad.message]) expect(text).not.toMatch(/p%40ss-7781|p@ss-7781/);
  });

  it('gives up after maxRetries and reports the last status; does not retry 4xx', async () => {
    let calls = 0;
    const uri = await fake((req, res) => {
      calls++;
      if (req.url?.includes('bad'))
        return void res.writeHead(400).end('{"error_code":"INVALID_PARAMETER_VALUE","message":"nope"}');
      res.writeHead(500).end('{"error_code":"INTERNAL_ERROR","message":"boom"}');
    });
    const client = createMlflowClient({ uri, maxRetries: 2, retryBaseMs: 1 });
    const err = await client.call('POST', 'runs/log-batch', {}, z.object({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).message).toBe('MLflow runs/log-batch: HTTP 500 INTERNAL_ERROR boom');
    expect(calls).toBe(3);
    calls = 0;
    await expect(client.call('POST', 'bad', {}, z.object({}))).rejects.toThrow(/HTTP 400 INVALID_PARAMETER_VALUE nope/);
    expect(calls).toBe(1);
  });

  it('fails with a clear error when the server is unreachable or answers unexpected JSON', async () => {
    const client = createMlflowClient({ uri: 'http://127.0.0.1:9', maxRetries: 1, retryBaseMs: 1 });
    await expect(client.call('GET', 'experiments/get-by-name', {}, z.object({}))).rejects.toThrow(
      /unreachable after 2 attempts/,
    );
    const uri = await fake((_req, res) => void res.writeHead(200).end('{"run":{}}'));
    await expect(
      createMlflowClient({ uri }).call('POST', 'runs/create', {}, z.object({ run: z.object({ info: z.object({}) }) })),
    ).rejects.toThrow(/unexpected response at run.info/);
  });

  it('takes its first retry backoff from CVC_MLFLOW_RETRY_BASE_MS (doubled per retry); refuses junk', async () => {
    const waits: number[] = [];
    const log = { warn: (fields: Record<string, unknown>) => waits.push(fields['waitMs'] as number) };
    const env = { CVC_MLFLOW_RETRY_BASE_MS: '4' };
    const client = mlflowClientFor({ uri: 'http://127.0.0.1:9' }, log as never, env);
    await expect(client.call('GET', 'experiments/get-by-name', {}, z.object({}))).rejects.toThrow(
      /unreachable after 6 attempts/,
    );
    // Each wait is base x 2^retry with +-25 % jitter (the default base is 500 ms).
    expect(waits).toHaveLength(5);
    waits.forEach((w, k) => expect(Math.abs(w - 4 * 2 ** k)).toBeLessThanOrEqual(4 * 2 ** k * 0.25 + 0.5));
    expect(() => mlflowClientFor({ uri: 'http://x' }, undefined, { CVC_MLFLOW_RETRY_BASE_MS: '1s' })).toThrow(
      MlopsInputError,
    );
    expect(() => mlflowClientFor({ uri: 'http://x' }, undefined, { CVC_MLFLOW_RETRY_BASE_MS: '1s' })).toThrow(
      /CVC_MLFLOW_RETRY_BASE_MS: expected a whole number of milliseconds/,
    );
  });

  it('picks the tracking target from config, then env, with the token from config or env', () => {
    expect(mlflowTarget({ uri: null }, {})).toBeUndefined();
    expect(mlflowTarget({ uri: null }, { MLFLOW_TRACKING_URI: 'http://x', DATABRICKS_TOKEN: 't1' })).toEqual({
      uri: 'http://x',
      token: 't1',
    });
    expect(mlflowTarget({ uri: 'http://y', token: 'c' }, { MLFLOW_TRACKING_TOKEN: 't2' })).toEqual({
      uri: 'http://y',
      token: 'c',
    });
    expect(mlflowTarget({ uri: 'http://y' }, { MLFLOW_TRACKING_TOKEN: 't2' })).toEqual({
      uri: 'http://y',
      token: 't2',
    });
  });
});

describe('log-batch splitting', () => {
  it('keeps every request within MLflow limits and loses nothing', () => {
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'v'.repeat(6000) }));
    const tags = Array.from({ length: 130 }, (_, i) => ({ key: `t${i}`, value: 't' }));
    const batches = splitBatches({ metrics, params, tags });
    for (const b of batches) {
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.tags.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
      expect(JSON.stringify(b).length).toBeLessThan(BATCH_LIMITS.bytes + 10_000);
    }
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
    expect(splitBatches({ metrics: [], params: [], tags: [] })).toEqual([]);
  });
});

describe('Databricks artifacts (Files API, fake server)', () => {
  it('uploads run artifacts under /WorkspaceInternal/Mlflow/Artifacts and lists and downloads them back', async () => {
    const files = new Map<string, Buffer>();
    const seen: string[] = [];
    const uri = await fake((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers.authorization !== 'Bearer dapi-x') return void res.writeHead(401).end('{}');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const json = (o: unknown) =>
          void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(o));
        seen.push(`${req.method} ${url.pathname}`);
        if (url.pathname.endsWith('/experiments/get-by-name'))
          return json({ experiment: { experiment_id: '42', name: 'e' } });
        if (url.pathname.endsWith('/runs/create'))
          return json({
            run: {
              info: {
                run_id: 'r1',
                experiment_id: '42',
                artifact_uri: 'dbfs:/databricks/mlflow-tracking/42/r1/artifacts',
              },
            },
          });
        if (url.pathname.endsWith('/runs/update')) return json({});
        if (url.pathname.startsWith('/api/2.0/fs/files/')) {
          const path = decodeURIComponent(url.pathname.slice('/api/2.0/fs/files'.length));
          if (req.method === 'PUT') {
            files.set(path, Buffer.concat(chunks));
            return void res.writeHead(204).end();
          }
          const f = files.get(path);
          return f ? void res.writeHead(200).end(f) : void res.writeHead(404).end('{"error_code":"NOT_FOUND"}');
        }
        if (url.pathname.startsWith('/api/2.0/fs/directories/')) {
          const dir = decodeURIComponent(url.pathname.slice('/api/2.0/fs/directories'.length)).replace(/\/$/, '');
          const entries = new Map<string, boolean>();
          for (const p of files.keys()) {
            if (!p.startsWith(`${dir}/`)) continue;
            const rest = p.slice(dir.length + 1).split('/');
            entries.set(`${dir}/${rest[0]}`, rest.length > 1);
          }
          if (entries.size === 0) return void res.writeHead(404).end('{"error_code":"NOT_FOUND"}');
          // One entry per page, to exercise paging.
          const all = [...entries].sort();
          const at = Number(url.searchParams.get('page_token') ?? '0');
          const [path, isDir] = all[at]!;
          return json({
            contents: [{ path: isDir ? `${path}/` : path, is_directory: isDir }],
            ...(at + 1 < all.length ? { next_page_token: String(at + 1) } : {}),
          });
        }
        res.writeHead(404).end('{}');
      });
    });
    const tracker = await openTracker({ uri, experiment: 'e', root: '' }, { env: { DATABRICKS_TOKEN: 'dapi-x' } });
    const run = await tracker.startRun({ name: 'train' });
    const src = join(await tempDir(), 'bundle');
    await mkdir(join(src, 'models', 'lgbm'), { recursive: true });
    await writeFile(join(src, 'manifest.json'), '{"a":1}');
    await writeFile(join(src, 'models', 'lgbm', 'model file.txt'), 'tree');
    await run.logArtifact(src, 'bundle');
    await run.end();
    expect([...files.keys()].sort()).toEqual([
      '/WorkspaceInternal/Mlflow/Artifacts/42/Runs/r1/artifacts/bundle/manifest.json',
      '/WorkspaceInternal/Mlflow/Artifacts/42/Runs/r1/artifacts/bundle/models/lgbm/model file.txt',
    ]);
    const client = createMlflowClient({ uri, token: 'dapi-x' });
    const out = await tempDir();
    const got = await downloadArtifacts(client, 'dbfs:/databricks/mlflow-tracking/42/r1/artifacts/bundle', '', out);
    expect(got).toEqual(['manifest.json', 'models/lgbm/model file.txt']);
    expect(await readFile(join(out, 'models', 'lgbm', 'model file.txt'), 'utf8')).toBe('tree');
    await expect(downloadArtifacts(client, 's3://bucket/x', '', out)).rejects.toThrow(/not supported/);
  });
});
