// Sends alerts to `alerts.webhook` as one JSON POST. Bounded by a per-attempt timeout and a few retries
// with backoff; it never throws, so a dead endpoint cannot fail or hold up a run that already wrote its
// forecasts. The URL may carry a secret (a token in its path or query): only its origin is ever logged.
import { silentLogger, type Logger } from '@cvc/core';
import type { Alert } from './alerts.js';

export interface WebhookSettings {
  url: string;
  timeoutMs: number;
  retries: number;
  /** Pause before retry k is backoffMs * 2^(k-1) (default 500). */
  backoffMs?: number;
}

export interface WebhookOutcome {
  sent: boolean;
  attempts: number;
  /** Last HTTP status, or null when no answer came. */
  status: number | null;
  /** Why it was not sent, without the URL. */
  error: string | null;
}

export interface AlertPayload {
  source: 'cvc';
  command: string;
  runId: string;
  today: string;
  alerts: Alert[];
  [key: string]: unknown;
}

/** The webhook's origin (scheme, host, port): what logs may show of it. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export async function postAlerts(
  settings: WebhookSettings,
  payload: AlertPayload,
  log: Logger = silentLogger,
): Promise<WebhookOutcome> {
  const url = URL.canParse(settings.url) ? new URL(settings.url) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    log.warn({}, 'alerts.webhook is not an http(s) URL; alerts not sent');
    return { sent: false, attempts: 0, status: null, error: 'alerts.webhook is not an http(s) URL' };
  }
  const where = url.origin;
  const body = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  let status: number | null = null;
  let error: string | null = null;
  const attempts = settings.retries + 1;
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    made = attempt;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'cvc' },
        body,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        log.info({ webhook: where, status, attempt }, 'alerts sent to the webhook');
        return { sent: true, attempts: attempt, status, error: null };
      }
      error = `HTTP ${res.status}`;
      // A 4xx other than 408/429 will not get better by asking again.
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : (e.cause?.code ?? e.name);
      status = null;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, (settings.backoffMs ?? 500) * 2 ** (attempt - 1)));
  }
  log.warn({ webhook: where, status, error }, 'alerts could not be sent to the webhook');
  return { sent: false, attempts: made, status, error };
}
