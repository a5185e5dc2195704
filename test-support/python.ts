// The Python oracles (delta-rs, pyarrow) run as inline scripts: one way to call them for every package.
import { spawnSync } from 'node:child_process';

/** Runs an inline Python script (`args` arrive as sys.argv[1:]) and returns its whole stdout. */
export function pythonText(script: string, ...args: string[]): string {
  // deltalake sometimes aborts while the interpreter shuts down ("terminate called without an
  // active exception"), after the work is done; leaving through os._exit skips that teardown.
  const guarded = `${script}\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n`;
  const r = spawnSync('python3', ['-c', guarded, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (r.status !== 0) {
    throw new Error(`python3 failed (status ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').slice(-3000)}`);
  }
  return r.stdout;
}

/** Runs an inline Python script; `args` arrive as sys.argv[1:]; the last stdout line is parsed as JSON. */
export function python<T = unknown>(script: string, ...args: string[]): T {
  const lines = pythonText(script, ...args)
    .trim()
    .split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
