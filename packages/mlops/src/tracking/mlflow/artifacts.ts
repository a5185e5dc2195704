// Run artifacts, by where the run's artifact_uri points:
// - mlflow-artifacts:/<exp>/<run>/artifacts -> the tracking server's proxy,
//   /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/... (server started with --serve-artifacts);
// - dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts -> the Databricks Files API under
//   /WorkspaceInternal/Mlflow/Artifacts/<exp>/Runs/<run>/artifacts/..., the route MLflow 3 itself takes.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { MlflowError } from '../../errors.js';
import { listFiles } from '../../bundle/files.js';
import type { MlflowClient } from './client.js';
import { listArtifactsResponse } from './schemas.js';

/** One artifact root: paths are relative to it, with / separators. */
export interface ArtifactStore {
  put(path: string, data: Uint8Array): Promise<void>;
  get(path: string): Promise<Uint8Array>;
  /** Files under `dir` (recursively), relative to `dir`, sorted. Empty when `dir` does not exist. */
  list(dir: string): Promise<string[]>;
}

const PROXY_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';
const DATABRICKS_RUN = /^dbfs:\/databricks\/mlflow-tracking\/([^/]+)\/([^/]+)(\/.*)?$/;

function encodePath(path: string): string {
  return path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

export function joinArtifact(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

function proxyStore(client: MlflowClient, root: string): ArtifactStore {
  return {
    async put(path, data) {
      await client.raw('PUT', `${PROXY_ROUTE}/${encodePath(joinArtifact(root, path))}`, data);
    },
    async get(path) {
      const res = await client.raw('GET', `${PROXY_ROUTE}/${encodePath(joinArtifact(root, path))}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    async list(dir) {
      const out: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        const res = await client.raw('GET', `${PROXY_ROUTE}?path=${encodeURIComponent(joinArtifact(root, dir, rel))}`);
        const parsed = listArtifactsResponse.safeParse(await res.json());
        if (!parsed.success)
          throw new MlflowError('mlflow-artifacts list', res.status, undefined, 'unexpected response');
        for (const f of parsed.data.files ?? []) {
          const child = joinArtifact(rel, basename(f.path));
          if (f.is_dir) await walk(child);
          else out.push(child);
        }
      };
      await walk('');
      return out.sort();
    },
  };
}

const directoryContents = z
  .object({
    contents: z
      .array(z.object({ path: z.string(), is_directory: z.boolean().optional(), name: z.string().optional() }).loose())
      .optional(),
    next_page_token: z.string().optional(),
  })
  .loose();

export function databricksFilesStore(client: MlflowClient, root: string): ArtifactStore {
  const files = (path: string) => `/api/2.0/fs/files/${encodePath(joinArtifact(root, path))}`;
  return {
    async put(path, data) {
      await client.raw('PUT', `${files(path)}?overwrite=true`, data);
    },
    async get(path) {
      return new Uint8Array(await (await client.raw('GET', files(path))).arrayBuffer());
    },
    async list(dir) {
      const out: string[] = [];
      const base = `/${joinArtifact(root, dir)}`;
      const walk = async (abs: string): Promise<void> => {
        let token: string | undefined;
        do {
          let res: Response;
          try {
            res = await client.raw(
              'GET',
              `/api/2.0/fs/directories/${encodePath(abs)}${token ? `?page_token=${encodeURIComponent(token)}` : ''}`,
            );
          } catch (err) {
            if (err instanceof MlflowError && err.status === 404) return;
            throw err;
          }
          const parsed = directoryContents.safeParse(await res.json());
          if (!parsed.success) throw new MlflowError('fs/directories', res.status, undefined, 'unexpected response');
          for (const e of parsed.data.contents ?? []) {
            if (e.is_directory) await walk(e.path);
            else out.push(e.path.slice(base.length).replace(/^\/+/, ''));
          }
          token = parsed.data.next_page_token || undefined;
        } while (token);
      };
      await walk(base);
      return out.sort();
    },
  };
}

/** The store behind an artifact URI (a run's artifact_uri or a model version's source). */
export function artifactStore(client: MlflowClient, artifactUri: string): ArtifactStore {
  const proxied = /^mlflow-artifacts:(\/\/[^/]*)?(\/.*)?$/.exec(artifactUri);
  if (proxied) return proxyStore(client, joinArtifact(proxied[2]));
  const dbx = DATABRICKS_RUN.exec(artifactUri);
  if (dbx)
    return databricksFilesStore(
      client,
      joinArtifact('WorkspaceInternal/Mlflow/Artifacts', dbx[1], 'Runs', dbx[2], dbx[3]),
    );
  throw new MlflowError(
    'artifacts',
    undefined,
    undefined,
    `artifact URI "${artifactUri}" is not supported: use a tracking server started with --serve-artifacts ` +
      '(mlflow-artifacts:/) or Databricks (dbfs:/databricks/mlflow-tracking/); s3://, gs://, wasbs:// roots are not',
  );
}

/** Uploads a file, or every file of a directory, to `<artifactUri>/<artifactPath>`. */
export async function uploadArtifacts(
  client: MlflowClient,
  artifactUri: string,
  localPath: string,
  artifactPath?: string,
): Promise<number> {
  const store = artifactStore(client, artifactUri);
  const st = await stat(localPath);
  const dest = artifactPath ?? basename(localPath);
  const items = st.isDirectory()
    ? (await listFiles(localPath)).map((rel) => ({
        abs: join(localPath, ...rel.split('/')),
        rel: joinArtifact(dest, rel),
      }))
    : [{ abs: localPath, rel: dest }];
  // Whole-file bodies keep retries simple; model files are megabytes, not gigabytes.
  for (const f of items) await store.put(f.rel, await readFile(f.abs));
  return items.length;
}

/** Files under `<artifactUri>/<artifactPath>`, recursively, relative to artifactPath. */
export async function listArtifacts(
  client: MlflowClient,
  artifactUri: string,
  artifactPath: string,
): Promise<string[]> {
  return artifactStore(client, artifactUri).list(artifactPath);
}

/** Downloads `<artifactUri>/<artifactPath>` (a directory) into `targetDir`. */
export async function downloadArtifacts(
  client: MlflowClient,
  artifactUri: string,
  artifactPath: string,
  targetDir: string,
): Promise<string[]> {
  const store = artifactStore(client, artifactUri);
  const files = await store.list(artifactPath);
  for (const rel of files) {
    if (rel.split('/').some((s) => s === '..' || s === '.' || s === ''))
      throw new MlflowError('artifacts', undefined, undefined, `refusing artifact path "${rel}"`);
    const target = join(targetDir, ...rel.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await store.get(joinArtifact(artifactPath, rel)));
  }
  return files;
}
