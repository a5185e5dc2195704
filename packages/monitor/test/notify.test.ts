// A webhook that is not an http(s) URL is reported and skipped, never fetched.
import { describe, expect, it } from 'vitest';
import { postAlerts } from '../src/notify.js';

const payload = { source: 'cvc' as const, command: 'monitor', runId: 'r1', today: '2024-03-01', alerts: [] };

describe('postAlerts', () => {
  it.each(['ftp://example.invalid/hook', 'not a url', ''])('does not send to %j', async (url) => {
    const out = await postAlerts({ url, timeoutMs: 100, retries: 0 }, payload);
    expect(out).toEqual({ sent: false, attempts: 0, status: null, error: 'alerts.webhook is not an http(s) URL' });
  });
});
