// A small MLflow REST client: JSON calls under /api/2.0/mlflow, artifact PUT/GET under
// /api/2.0/mlflow-artifacts, a bearer token for Databricks (never logged), bounded retries with
// backoff on 429, 5xx and network errors, and zod checks on every response we read. A user:password@
// in the URI becomes a Basic Authorization header: it never sits in a URL we fetch, log or store.
import type { z } from 'zod';
import { maskUserinfo } from '@cvc/core';
import { MlflowError } from '../../errors.js';

export interface MlflowClientOptions {
  /** Tracking URI, e.g. http://127.0.0.1:5000, or "databricks" (host from DATABRICKS_HOST). */
  uri: string;
  token?: string;
  /** Retries after the first attempt on 429/5xx/network errors (default 5). */
  maxRetries?: number;
  /** First backoff in ms, doubled each retry (default 500). */
  retryBaseMs?: number;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface MlflowClient {
  readonly baseUrl: string;
  /** A JSON call to /api/2.0/mlflow/<endpoint>, the response checked by `schema`. */
  call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    endpoint: string,
    payload: Record<string, unknown> | undefined,
    schema: S,
  ): Promise<z.infer<S>>;
  /** A raw call under the server root (artifacts); returns the response after retries. */
  raw(method: 'GET' | 'PUT', path: string, body?: Uint8Array): Promise<Response>;
}

export function resolveBaseUrl(uri: string, env: NodeJS.ProcessEnv): string {
  if (uri === 'databricks' || uri.startsWith('databricks://')) {
    const host = env.DATABRICKS_HOST;
    if (!host)
      throw new MlflowError(
        'config',
        undefined,
        undefined,
        'tracking.uri is "databricks" but DATABRICKS_HOST is not set',
      );
    return host.replace(/\/+$/, '');
  }
  if (!/^https?:\/\//.test(uri)) {
    const shown = maskUserinfo(uri);
    throw new MlflowError('config', undefined, undefined, `tracking.uri "${shown}" is not http(s) or "databricks"`);
  }
  return withoutUserinfo(uri).url.replace(/\/+$/, '');
}

/** Splits `http://user:pw@host/x` into `http://host/x` and its (decoded) credentials. */
export function withoutUserinfo(uri: string): { url: string; user?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new MlflowError('config', undefined, undefined, `tracking.uri "${maskUserinfo(uri)}" is not a valid URL`);
  }
  if (!u.username && !u.password) return { url: uri };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  // URL adds a trailing slash to a bare origin; the caller trims it.
  return { url: u.toString(), user, password };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

function backoffMs(attempt: number, base: number, retryAfter: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 60_000);
  return base * 2 ** attempt * (0.75 + Math.random() * 0.5);
}

function errorBody(text: string): { code?: string; message: string } {
  try {
    const j = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      code: typeof j.error_code === 'string' ? j.error_code : undefined,
      message: typeof j.message === 'string' ? j.message : text.slice(0, 500),
    };
  } catch {
    return { message: text.slice(0, 500) };
  }
}

export function createMlflowClient(opts: MlflowClientOptions): MlflowClient {
  const env = opts.env ?? process.env;
  const baseUrl = resolveBaseUrl(opts.uri, env);
  const maxRetries = opts.maxRetries ?? 5;
  const base = opts.retryBaseMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const headers: Record<string, string> = {};
  const isDatabricks = opts.uri.startsWith('databricks');
  const credentials: { user?: string; password?: string } = isDatabricks ? {} : withoutUserinfo(opts.uri);
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  else if (credentials.user !== undefined) {
    const pair = `${credentials.user}:${credentials.password ?? ''}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  async function send(
    method: string,
    url: string,
    endpoint: string,
    body: RequestInit['body'],
    extra: Record<string, string>,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: string;
      try {
        res = await fetch(url, {
          method,
          headers: { ...headers, ...extra },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!retryable(res.status)) return res;
        failure = `HTTP ${res.status}`;
      } catch (err) {
        failure = maskUserinfo((err as Error).message);
      }
      if (attempt >= maxRetries) {
        if (res) return res;
        throw new MlflowError(endpoint, undefined, undefined, `unreachable after ${attempt + 1} attempts (${failure})`);
      }
      const wait = backoffMs(attempt, base, res?.headers.get('retry-after') ?? null);
      await res?.body?.cancel().catch(() => undefined);
      opts.warn?.('mlflow request failed; retrying', {
        endpoint,
        failure,
        attempt: attempt + 1,
        waitMs: Math.round(wait),
      });
      await sleep(wait);
    }
  }

  return {
    baseUrl,
    async call(method, endpoint, payload, schema) {
      let url = `${baseUrl}/api/2.0/mlflow/${endpoint}`;
      let body: string | undefined;
      if (method === 'GET' || method === 'DELETE') {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(payload ?? {})) if (v !== undefined) q.set(k, String(v));
        const qs = q.toString();
        if (qs) url += `?${qs}`;
      } else body = JSON.stringify(payload ?? {});
      const res = await send(method, url, endpoint, body, body ? { 'Content-Type': 'application/json' } : {});
      const text = await res.text();
      if (!res.ok) {
        const e = errorBody(text);
        throw new MlflowError(endpoint, res.status, e.code, e.message);
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        throw new MlflowError(endpoint, res.status, undefined, `response is not JSON: ${text.slice(0, 200)}`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new MlflowError(
          endpoint,
          res.status,
          undefined,
          `unexpected response at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
        );
      }
      return parsed.data;
    },
    async raw(method, path, body) {
      const res = await send(
        method,
        `${baseUrl}${path}`,
        path,
        body,
        body ? { 'Content-Type': 'application/octet-stream' } : {},
      );
      if (!res.ok) {
        const e = errorBody(await res.text());
        throw new MlflowError(path, res.status, e.code, e.message);
      }
      return res;
    },
  };
}

export function isMlflowCode(err: unknown, code: string): boolean {
  return err instanceof MlflowError && err.errorCode === code;
}
