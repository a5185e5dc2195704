// Run artifacts through the tracking server's proxy (mlflow-artifacts). A run whose artifact_uri is
// mlflow-artifacts:/<exp>/<run>/artifacts maps to /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/...
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlflowError } from '../../errors.js';
import { listFiles } from '../../bundle/files.js';
import type { MlflowClient } from './client.js';
import { listArtifactsResponse } from './schemas.js';

const ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/** The path under the artifacts route for an mlflow-artifacts URI (with or without host). */
export function proxiedArtifactPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(\/\/[^/]*)?(\/.*)?$/.exec(artifactUri);
  if (!m) {
    throw new MlflowError('artifacts', undefined, undefined, `artifact URI "${artifactUri}" is not served by the tracking server (start it with --serve-artifacts; dbfs:/ and s3:// roots are not supported yet)`);
  }
  return (m[2] ?? '').replace(/^\/+|\/+$/g, '');
}

function encodePath(path: string): string {
  return path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

function joinArtifact(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
}

/** Uploads a file, or every file of a directory, to `<artifactUri>/<artifactPath>`. */
export async function uploadArtifacts(client: MlflowClient, artifactUri: string, localPath: string, artifactPath?: string): Promise<number> {
  const root = proxiedArtifactPath(artifactUri);
  const st = await stat(localPath);
  const dest = artifactPath ?? basename(localPath);
  const files = st.isDirectory() ? (await listFiles(localPath)).map((rel) => ({ abs: join(localPath, ...rel.split('/')), rel: joinArtifact(dest, rel) })) : [{ abs: localPath, rel: dest }];
  for (const f of files) {
    // Whole-file bodies keep retries simple; model files are megabytes, not gigabytes.
    await client.raw('PUT', `${ROUTE}/${encodePath(joinArtifact(root, f.rel))}`, await readFile(f.abs));
  }
  return files.length;
}

/** Lists files under `<artifactUri>/<artifactPath>` recursively, as paths relative to artifactPath. */
export async function listArtifacts(client: MlflowClient, artifactUri: string, artifactPath: string): Promise<string[]> {
  const root = proxiedArtifactPath(artifactUri);
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const res = await client.raw('GET', `${ROUTE}?path=${encodeURIComponent(joinArtifact(root, artifactPath, rel))}`);
    const parsed = listArtifactsResponse.safeParse(await res.json());
    if (!parsed.success) throw new MlflowError('mlflow-artifacts list', res.status, undefined, 'unexpected response');
    for (const f of parsed.data.files ?? []) {
      const child = joinArtifact(rel, basename(f.path));
      if (f.is_dir) await walk(child);
      else out.push(child);
    }
  }
  await walk('');
  return out.sort();
}

/** Downloads `<artifactUri>/<artifactPath>` (a directory) into `targetDir`. */
export async function downloadArtifacts(client: MlflowClient, artifactUri: string, artifactPath: string, targetDir: string): Promise<string[]> {
  const root = proxiedArtifactPath(artifactUri);
  const files = await listArtifacts(client, artifactUri, artifactPath);
  for (const rel of files) {
    if (rel.split('/').some((s) => s === '..' || s === '.')) throw new MlflowError('mlflow-artifacts', undefined, undefined, `refusing artifact path "${rel}"`);
    const res = await client.raw('GET', `${ROUTE}/${encodePath(joinArtifact(root, artifactPath, rel))}`);
    const target = join(targetDir, ...rel.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, new Uint8Array(await res.arrayBuffer()));
  }
  return files;
}
