// Which failures `cvc daily` retries: a source or tracking server that did not answer, a lock another
// run held too long. Bad input (exit 2) never: the same input fails the same way.
import { BusyError, exitCodeOf } from '@cvc/core';
import { SourceUnavailableError } from '@cvc/ingest';
import { MlflowError } from '@cvc/mlops';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ETIMEOUT',
  'ESOCKET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNCLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

export function isTransient(err: unknown): boolean {
  if (exitCodeOf(err) === 2) return false;
  if (err instanceof BusyError || err instanceof SourceUnavailableError) return true;
  if (err instanceof MlflowError) return err.status === undefined || err.status >= 500 || err.status === 429;
  for (
    let e: unknown = err, depth = 0;
    e instanceof Error && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

export interface Attempted<T> {
  value?: T;
  error?: unknown;
  attempts: number;
}

/**
 * Runs `fn`; on a transient failure waits backoffMs * 2^(k-1) and tries again, `retries` times at most.
 * Resolves with the value or the last error (never rejects), and how many attempts it took.
 */
export async function withRetries<T>(
  fn: () => Promise<T>,
  opts: { retries: number; backoffMs: number; onRetry?: (attempt: number, err: unknown, delayMs: number) => void },
): Promise<Attempted<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(), attempts: attempt };
    } catch (err) {
      if (attempt > opts.retries || !isTransient(err)) return { error: err, attempts: attempt };
      const delay = opts.backoffMs * 2 ** (attempt - 1);
      opts.onRetry?.(attempt, err, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
