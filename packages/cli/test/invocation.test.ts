// The command cvc suggests must run where the user is: pnpm only when pnpm is on PATH.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cvcCommand } from '../src/invocation.js';

function pathWith(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-path-'));
  for (const n of names) {
    writeFileSync(join(dir, n), '#!/bin/sh\n');
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

describe('suggested cvc command', () => {
  const repo = '/work/repo';
  const bin = '/work/repo/packages/cli/dist/bin.js';
  it('follows the script runner that started it, pnpm only when on PATH', () => {
    const npm = {
      npm_lifecycle_event: 'cvc',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      PATH: pathWith('npm'),
    };
    expect(cvcCommand(npm, bin, repo)).toBe('npm run cvc --');
    const pnpmOnPath = {
      npm_lifecycle_event: 'cvc',
      npm_config_user_agent: 'pnpm/12.4.2 npm/? node/v20',
      PATH: pathWith('pnpm'),
    };
    expect(cvcCommand(pnpmOnPath, bin, repo)).toBe('pnpm cvc');
    // npx pnpm@12.4.2 cvc: pnpm ran it but is not on PATH.
    const npxPnpm = {
      npm_lifecycle_event: 'cvc',
      npm_config_user_agent: 'pnpm/12.4.2 npm/? node/v20',
      PATH: pathWith('npm'),
    };
    expect(cvcCommand(npxPnpm, bin, repo)).toBe('npm run cvc --');
  });

  it('names node and the bin path otherwise, relative when inside the current folder', () => {
    expect(cvcCommand({ PATH: pathWith() }, bin, repo)).toBe('node packages/cli/dist/bin.js');
    expect(cvcCommand({ PATH: pathWith() }, bin, '/elsewhere')).toBe(`node ${bin}`);
    expect(cvcCommand({ PATH: pathWith('cvc') }, '/usr/local/bin/cvc', repo)).toBe('cvc');
  });
});
