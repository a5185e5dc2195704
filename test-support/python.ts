// The Python oracles (delta-rs, pyarrow) run as inline scripts: one way to call them for every package.
import { runChild } from './child.js';

/** Runs an inline Python script (`args` arrive as sys.argv[1:]) and returns its whole stdout. */
export async function pythonText(script: string, ...args: string[]): Promise<string> {
  // deltalake sometimes aborts while the interpreter shuts down ("terminate called without an
  // active exception"), after the work is done; leaving through os._exit skips that teardown.
  const guarded = `${script}\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n`;
  const r = await runChild('python3', ['-c', guarded, ...args], { timeoutMs: 300_000 });
  if (r.status !== 0) {
    throw new Error(`python3 failed (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-3000)}`);
  }
  return r.stdout;
}

/** Runs an inline Python script; `args` arrive as sys.argv[1:]; the last stdout line is parsed as JSON. */
export async function python<T = unknown>(script: string, ...args: string[]): Promise<T> {
  const lines = (await pythonText(script, ...args)).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
