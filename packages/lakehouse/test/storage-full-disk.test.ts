// A full disk under a table: the error names the file being written and leaves no temp file behind.
// Needs root and mount(8) (as CI and the build machines have); without them the test fails, never skips.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../src/index.js';
import { runChild } from '../../../test-support/child.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cvc-full-disk-'));
let mounted = false;

afterAll(async () => {
  if (mounted) await runChild('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('local storage on a full disk', () => {
  it('names the path in ENOSPC and removes its temp file', async () => {
    const r = await runChild('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    expect(r.status, `mount tmpfs failed: ${r.stderr}`).toBe(0);
    mounted = true;
    const storage = new LocalStorage(dir);
    await storage.mkdirs('_delta_log');
    const big = Buffer.alloc(1024 * 1024, 7);
    const err = await storage.putIfAbsent('_delta_log/00000000000000000000.json', big).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err?.code).toBe('ENOSPC');
    expect(err?.path).toContain(path.join(dir, '_delta_log'));
    expect(readdirSync(path.join(dir, '_delta_log'))).toEqual([]);
  });
});
