// registry.kind unity-catalog against a local fake HTTP server that records every request: the paths,
// methods and bodies are those of MLflow's databricks-uc registry (mlflow/store/_unity_catalog/registry/
// rest_store.py; endpoint table from mlflow.protos.databricks_uc_registry_service_pb2) and the Files API
// (/api/2.0/fs/files, /api/2.0/fs/directories) under /Models/<catalog>/<schema>/<model>/<version>/.
// No Databricks workspace here: this checks what cvc sends, not what Databricks would answer.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient, mlflowRegistry, openRegistry, MlopsInputError } from './imports.js';
import { makeBundle, tempDir } from './fixtures.js';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

const NAME = 'main.forecasting.cvc';
const UC = '/api/2.0/mlflow/unity-catalog';
const FILES = '/Models/main/forecasting/cvc/1';
let server: Server;
let base: string;
const log: Recorded[] = [];
const files = new Map<string, Buffer>();
let alias: string | null = null;

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const version = (status: string) => ({
  model_version: {
    name: NAME,
    version: '1',
    status,
    source: 'dbfs:/databricks/mlflow-tracking/7/r1/artifacts/bundle',
    run_id: 'r1',
    tags: [
      { key: 'cvc.bundle_id', value: 'b' },
      { key: 'cvc.wape', value: '0.2' },
    ],
  },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, 'http://x');
      const raw = await bodyOf(req);
      const path = decodeURIComponent(url.pathname);
      const isFile = path.startsWith('/api/2.0/fs/files/');
      log.push({
        method: req.method!,
        path,
        query: Object.fromEntries(url.searchParams),
        body: isFile ? raw.length : raw.length ? JSON.parse(raw.toString()) : null,
      });
      const json = (code: number, v: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const key = `${req.method} ${path}`;
      if (key === 'GET /api/2.0/mlflow/runs/get')
        return json(200, {
          run: {
            info: { run_id: 'r1', experiment_id: '7', artifact_uri: 'dbfs:/databricks/mlflow-tracking/7/r1/artifacts' },
          },
        });
      if (key === 'GET /api/2.0/fs/directories/WorkspaceInternal/Mlflow/Artifacts/7/Runs/r1/artifacts/bundle') {
        return json(200, {
          contents: [
            {
              path: '/WorkspaceInternal/Mlflow/Artifacts/7/Runs/r1/artifacts/bundle/manifest.json',
              is_directory: false,
            },
          ],
        });
      }
      if (key === `POST ${UC}/registered-models/create`) return json(200, { registered_model: { name: NAME } });
      if (key === `POST ${UC}/model-versions/create`) return json(200, version('PENDING_REGISTRATION'));
      if (req.method === 'PUT' && path.startsWith(`/api/2.0/fs/files${FILES}/`)) {
        files.set(path.slice(`/api/2.0/fs/files${FILES}/`.length), raw);
        return json(200, {});
      }
      if (key === `POST ${UC}/model-versions/finalize`) return json(200, version('READY'));
      if (key === `GET ${UC}/model-versions/get`) return json(200, version('READY'));
      if (key === `GET ${UC}/registered-models/alias`) {
        return alias
          ? json(200, version('READY'))
          : json(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no alias' });
      }
      if (key === `POST ${UC}/registered-models/alias`) {
        alias = 'champion';
        return json(200, {});
      }
      if (key === `GET ${UC}/registered-models/get`)
        return json(200, { registered_model: { name: NAME, aliases: alias ? [{ alias, version: '1' }] : [] } });
      if (key === `GET /api/2.0/fs/directories${FILES}`) {
        return json(200, { contents: [...files.keys()].map((p) => ({ path: `${FILES}/${p}`, is_directory: false })) });
      }
      if (req.method === 'GET' && path.startsWith(`/api/2.0/fs/files${FILES}/`)) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        return res.end(files.get(path.slice(`/api/2.0/fs/files${FILES}/`.length)));
      }
      json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: key });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

describe('Unity Catalog registry (recorded requests, fake server)', () => {
  it(
    'registers: create model, create version, upload to /Models/.../1 via the Files API, ' +
      'finalize, alias; resolves it back',
    async () => {
      const bundle = await makeBundle(join(await tempDir(), 'b'));
      const client = createMlflowClient({ uri: base, token: 'dapi-test', maxRetries: 0 });
      const reg = mlflowRegistry({ client, name: NAME, cacheDir: join(await tempDir(), 'cache'), unityCatalog: true });
      expect(reg.backend).toBe('unity-catalog');
      const r = await reg.register(bundle, { runId: 'r1', promote: 'always', description: 'd' });
      expect(r.version).toBe(1);
      expect(r.promoted).toBe(true);
      const calls = log.filter((c) => !c.path.startsWith('/api/2.0/fs/files/')).map((c) => `${c.method} ${c.path}`);
      expect(calls.slice(0, 5)).toEqual([
        'GET /api/2.0/mlflow/runs/get',
        'GET /api/2.0/fs/directories/WorkspaceInternal/Mlflow/Artifacts/7/Runs/r1/artifacts/bundle',
        `POST ${UC}/registered-models/create`,
        `POST ${UC}/model-versions/create`,
        `POST ${UC}/model-versions/finalize`,
      ]);
      expect(calls).toContain(`POST ${UC}/registered-models/alias`);
      // Never the workspace registry's endpoints, never stages.
      expect(
        calls.some((c) => /\/mlflow\/(registered-models|model-versions)\//.test(c) || c.includes('transition-stage')),
      ).toBe(false);
      const byKey = (m: string, p: string) => log.find((c) => c.method === m && c.path === p)!;
      expect(byKey('POST', `${UC}/registered-models/create`).body).toEqual({ name: NAME });
      expect(byKey('POST', `${UC}/model-versions/create`).body).toMatchObject({
        name: NAME,
        source: 'dbfs:/databricks/mlflow-tracking/7/r1/artifacts/bundle',
        run_id: 'r1',
        description: 'd',
      });
      expect(byKey('POST', `${UC}/model-versions/finalize`).body).toEqual({ name: NAME, version: '1' });
      expect(byKey('POST', `${UC}/registered-models/alias`).body).toEqual({
        name: NAME,
        alias: 'champion',
        version: '1',
      });
      expect(byKey('GET', `${UC}/registered-models/alias`).query).toEqual({ name: NAME, alias: 'champion' });
      // Every bundle file (MLmodel included) went to the version's UC location, byte for byte, with overwrite.
      const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8')) as {
        files: { path: string }[];
      };
      expect([...files.keys()].sort()).toEqual([...manifest.files.map((f) => f.path), 'manifest.json'].sort());
      for (const [p, bytes] of files) expect(bytes.equals(await readFile(join(bundle, ...p.split('/'))))).toBe(true);
      expect(log.filter((c) => c.method === 'PUT').every((c) => c.query['overwrite'] === 'true')).toBe(true);
      // Resolving downloads from the UC location and verifies the bundle.
      const resolved = await reg.resolve('champion');
      expect(resolved.version).toBe(1);
      expect(await readFile(join(resolved.bundleDir, 'MLmodel'), 'utf8')).toContain('loader_module: cvc_pyfunc');
    },
  );

  it('refuses a name that is not catalog.schema.model, and unity-catalog without a tracking URI', () => {
    const settings = { root: '/tmp/x', kind: 'unity-catalog' as const };
    expect(() => openRegistry({ ...settings, name: 'cvc-forecaster', trackingUri: base }, { env: {} })).toThrow(
      MlopsInputError,
    );
    expect(() => openRegistry({ ...settings, name: 'cvc-forecaster', trackingUri: base }, { env: {} })).toThrow(
      /catalog\.schema\.model/,
    );
    expect(() => openRegistry({ ...settings, name: NAME, trackingUri: null }, { env: {} })).toThrow(/tracking\.uri/);
    expect(openRegistry({ ...settings, name: NAME, trackingUri: base }, { env: {} }).backend).toBe('unity-catalog');
  });
});
