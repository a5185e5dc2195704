// Bounded retries with exponential backoff and jitter for Azure SQL's transient failures: the
// database moving (failover, reconfiguration), throttling and dropped connections. Anything else (a
// bad column, a login refused) fails at once, since retrying cannot fix it.

/** Azure SQL error numbers documented as transient (retry after a pause). */
export const TRANSIENT_SQL_ERRORS: ReadonlySet<number> = new Set([
  40613, // database not currently available
  40501, // service busy
  40197, // error processing the request (failover, upgrade)
  49918,
  49919,
  49920, // not enough resources / too many operations
  10928,
  10929, // resource limits reached
  4221, // login to read-secondary failed during replica change
  10053,
  10054,
  10060,
  64,
  233, // transport-level errors: connection reset or dropped
]);

/** Connection-level codes from tedious/mssql and Node sockets that mean "try again". */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ESOCKET',
  'ECONNRESET',
  'ECONNCLOSED',
  'ETIMEOUT',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
]);

interface ErrorShape {
  number?: unknown;
  code?: unknown;
  originalError?: unknown;
  cause?: unknown;
  info?: { number?: unknown };
}

/** True for an error (or one it wraps) that Azure SQL documents as transient. */
export function isTransientError(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as ErrorShape;
  if (typeof e.number === 'number' && TRANSIENT_SQL_ERRORS.has(e.number)) return true;
  if (typeof e.info?.number === 'number' && TRANSIENT_SQL_ERRORS.has(e.info.number)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  return isTransientError(e.originalError, depth + 1) || isTransientError(e.cause, depth + 1);
}

export interface RetryPolicy {
  /** Retries after the first attempt (0 = no retry). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  /** 0..1; injected in tests for exact delays. */
  random?: () => number;
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

/** Delay before retry `attempt` (1-based): base * 2^(attempt-1), capped, with "full jitter" in [50 %, 100 %]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.5 + 0.5 * random()));
}

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(lastError instanceof Error ? lastError.message : String(lastError));
  }
}

/**
 * Runs `fn` until it succeeds, a non-transient error occurs (rethrown as is), or the retries run out
 * (RetriesExhausted with the last error). `fn` gets the attempt number and must be safe to repeat.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isTransientError(err)) throw err;
      if (attempt > policy.maxRetries) throw new RetriesExhausted(attempt, err);
      const delay = backoffDelay(attempt, policy, hooks.random);
      hooks.onRetry?.(attempt, delay, err);
      await sleep(delay);
    }
  }
}
