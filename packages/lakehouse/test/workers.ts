// Spawns the append worker (test/fixtures/append-worker.ts) as a separate Node process.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'append-worker.ts');

export function runWorker(args: string[]): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', WORKER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: path.resolve(here, '../../..'),
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`worker exited with ${code}: ${stderr}`));
      else resolve(code);
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}
