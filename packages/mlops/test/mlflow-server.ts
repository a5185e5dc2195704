// A real MLflow tracking server for tests (sqlite backend, proxied artifacts on 127.0.0.1), and a
// way to read results back through MLflow's own Python client.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './fixtures.js';

export interface MlflowServer {
  uri: string;
  dir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMlflow(timeoutMs = 180_000): Promise<MlflowServer> {
  const dir = await tempDir('mlflow-');
  const port = await freePort();
  const uri = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'python3',
    [
      '-m',
      'mlflow',
      'server',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
      '--serve-artifacts',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, MLFLOW_TRACKING_URI: '' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited: ${stderr}`);
    try {
      const res = await fetch(`${uri}/health`);
      if (res.ok) return { uri, dir, stop };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`mlflow server did not start in ${timeoutMs} ms: ${stderr}`);
}

/** Runs a Python snippet with `client` (MlflowClient) bound and `args`; it must print one JSON value. */
export async function py<T = unknown>(uri: string, code: string, args: Record<string, unknown> = {}): Promise<T> {
  const script =
    'import json, sys, mlflow\nfrom mlflow.tracking import MlflowClient\n' +
    `mlflow.set_tracking_uri(${JSON.stringify(uri)})\nclient = MlflowClient(${JSON.stringify(uri)})\n` +
    `args = json.loads(sys.argv[1])\n${code}`;
  const { stdout } = await promisify(execFile)('python3', ['-c', script, JSON.stringify(args)], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, MLFLOW_TRACKING_URI: uri },
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
