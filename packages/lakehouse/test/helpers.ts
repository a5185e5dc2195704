// Test scaffolding: temp tables, a DuckDB connection, and the delta-rs oracle via python3.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export async function connect(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return conn;
}

export function tempDir(prefix = 'cvc-delta-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** Runs an inline Python script; `args` arrive as sys.argv[1:]; the last stdout line is parsed as JSON. */
export function python<T = unknown>(script: string, ...args: string[]): T {
  // deltalake sometimes aborts while the interpreter shuts down ("terminate called without an
  // active exception"), after the work is done; leaving through os._exit skips that teardown.
  const guarded = `${script}\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n`;
  const r = spawnSync('python3', ['-c', guarded, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`python3 failed (status ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').slice(-3000)}`);
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
