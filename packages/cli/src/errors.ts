// Maps any failure to one line on stderr and an exit code: 2 for bad usage, config or input (and a path
// cvc may not write), 1 for a job that failed (a full disk included), 3 for a lock held too long. Known
// secrets and the password in any URI are masked. The stack is printed only with --log-level debug.
import { InputError, envSecrets, exitCodeOf, maskSecrets } from '@cvc/core';

let run: { dataDir?: string; secrets: readonly string[] } = { secrets: [] };

/** What the failure line needs to know about the run: where its data lives and what to mask. */
export function rememberRun(r: { dataDir: string; secrets: readonly string[] }): void {
  run = r;
}

/** The path a filesystem error is about: its own `path`, else the first quoted path in its message. */
function pathOf(err: Error): string | undefined {
  const own = (err as NodeJS.ErrnoException).path;
  if (typeof own === 'string' && own) return own;
  const quoted = /["']((?:\/|[A-Za-z]:\\)[^"']+)["']/.exec(err.message);
  return quoted?.[1];
}

/** A permission, read-only or full-disk failure as one line naming the path, with its exit code. */
function fileSystemFailure(err: unknown): { message: string; code: 1 | 2 } | undefined {
  if (!(err instanceof Error) || err instanceof InputError) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  const text = err.message;
  // Node's errno errors, DuckDB's IO errors and Rust's os errors; not an HTTP 403 from a server.
  if (typeof code !== 'string' && !/^IO Error|\(os error \d+\)/i.test(text)) return undefined;
  const where = pathOf(err);
  if (code === 'ENOSPC' || /no space left on device/i.test(text)) {
    const at = where ?? (run.dataDir ? `a file under ${run.dataDir}` : 'a file');
    return { code: 1, message: `no space left on device writing ${at} (ENOSPC): free space there and rerun` };
  }
  const readOnly = code === 'EROFS' || /read-only file system/i.test(text);
  if (readOnly || code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(text)) {
    const at = where ?? run.dataDir ?? 'a path';
    const why = readOnly
      ? 'is on a read-only file system (EROFS)'
      : `is not accessible: permission denied (${code ?? 'EACCES'})`;
    const fix = 'give the user running cvc write access to it, or point lake.root elsewhere';
    return { code: 2, message: `${at} ${why}; ${fix}` };
  }
  return undefined;
}

export function reportFailure(err: unknown, debug: boolean): number {
  const fs = fileSystemFailure(err);
  const code = fs?.code ?? exitCodeOf(err);
  const message = fs?.message ?? (err instanceof Error ? err.message : String(err));
  const secrets = [...run.secrets, ...envSecrets()];
  process.stderr.write(`cvc: ${maskSecrets(message.split('\n')[0]!, secrets)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${maskSecrets(err.stack, secrets)}\n`);
  return code;
}
