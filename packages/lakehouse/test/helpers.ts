// Test scaffolding: temp tables, a DuckDB connection, and the delta-rs oracle via python3.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
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

/**
 * A DuckDB connection and a temp folder for a test file's tables, both closed and removed after its
 * tests: `const { conn, tmp } = await tempLake();` at the top of the file.
 */
export async function tempLake(prefix?: string): Promise<{ conn: DuckDBConnection; tmp: { dir: string } }> {
  const tmp = tempDir(prefix);
  const conn = await connect();
  afterAll(() => {
    conn.closeSync();
    tmp.cleanup();
  });
  return { conn, tmp: { dir: tmp.dir } };
}

export async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

export { python } from '../../../test-support/python.js';
