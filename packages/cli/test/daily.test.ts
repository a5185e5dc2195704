// runDaily on a small trained world: one run id across the steps, a transient lock retried, the fallback
// forecast when ingest fails on fresh data (and none on stale data), and the webhook against a local
// HTTP server: retried on 500, bounded when the server never answers, its secret never logged.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusyError, InputError, acquireLockFile, createLogger, type LoadedConfig } from '@cvc/core';
import { acquireLock } from '@cvc/infer';
import { runDaily } from '../src/commands/daily.js';
import { isTransient, withRetries } from '../src/retry.js';
import { AS_OF, trainedWorld } from './world.js';

let world: LoadedConfig;
const servers: Server[] = [];

function capture(): { log: ReturnType<typeof createLogger>; text: () => string } {
  let out = '';
  const destination = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return { log: createLogger({ command: 'daily', runId: 't', level: 'debug', destination }), text: () => out };
}

/** The world with a source that cannot be opened (and any config change). */
function brokenSource(patch: (c: LoadedConfig['config']) => void = () => {}): LoadedConfig {
  const copy = structuredClone(world);
  copy.paths.demoSource = '/nonexistent/source.duckdb';
  patch(copy.config);
  return copy;
}

async function listen(
  handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('retries', () => {
  it('retries transient failures with backoff and never bad input', async () => {
    let n = 0;
    const ok = await withRetries(
      async () => {
        if (++n < 3) throw new BusyError('held');
        return 'done';
      },
      { retries: 3, backoffMs: 1 },
    );
    expect(ok).toEqual({ value: 'done', attempts: 3 });
    let m = 0;
    const bad = await withRetries(
      async () => {
        m++;
        throw new InputError('bad row');
      },
      { retries: 3, backoffMs: 1 },
    );
    expect(bad.attempts).toBe(1);
    expect(m).toBe(1);
    expect(
      isTransient(Object.assign(new Error('x'), { cause: Object.assign(new Error('y'), { code: 'ECONNREFUSED' }) })),
    ).toBe(true);
    const gaveUp = await withRetries(
      async () => {
        throw new BusyError('held');
      },
      { retries: 2, backoffMs: 1 },
    );
    expect(gaveUp.attempts).toBe(3);
  });
});

describe('runDaily', () => {
  beforeAll(async () => {
    world = await trainedWorld({ stores: 6, yaml: 'daily: { retries: 3, backoffMs: 200 }\n' });
  }, 300_000);
  afterAll(() => servers.forEach((s) => s.close()));

  it('ingests, forecasts and monitors under one run id; a lock held for a while is waited out by a retry', async () => {
    const held = await acquireLock(`${world.paths.lake}/${world.config.lake.tables.forecasts}.lock`, {
      runId: 'other',
      timeoutSec: 1,
    });
    // The lock goes when infer's first attempt has timed out on it, however long ingest took before.
    const log = createLogger({
      command: 'daily',
      runId: 'daily-1',
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          if (String(chunk).includes('infer failed transiently')) void held.release();
          done();
        },
      }),
    });
    const r = await runDaily({ loaded: world, runId: 'daily-1', today: '2025-07-01', log });
    expect(r.exitCode).toBe(0);
    expect(r.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['ingest', 'ok'],
      ['infer', 'ok'],
      ['monitor', 'ok'],
    ]);
    expect(r.steps[1]!.attempts).toBeGreaterThan(1);
    expect(r.ingest!.runId).toBe('daily-1');
    expect(r.infer!.runId).toBe('daily-1');
    expect(r.infer!.asOf).toBe(AS_OF);
    expect(r.monitor!.runId).toBe('daily-1');
  });

  it('gives up with BusyError (exit 3) while another daily run holds its lock, touching nothing', async () => {
    const held = await acquireLockFile(join(world.paths.lake, 'daily.lock'), {
      timeoutMs: 100,
      holder: 'other',
      onTimeout: () => new Error('held'),
    });
    try {
      const err = await runDaily({ loaded: world, runId: 'daily-busy', today: '2025-07-01' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusyError);
      expect((err as Error).message).toMatch(
        /another cvc daily \(pid \d+ on .*, other\) holds .*daily\.lock; gave up after 1 s/,
      );
    } finally {
      await held.release();
    }
  });

  it('forecasts from the lake when ingest fails on fresh data, and alerts; not on stale data', async () => {
    const broken = brokenSource();
    const fresh = await runDaily({ loaded: broken, runId: 'daily-2', today: '2025-07-02' });
    expect(fresh.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['ingest', 'failed'],
      ['infer', 'fallback'],
      ['monitor', 'ok'],
    ]);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.alerts.find((a) => a.kind === 'ingest_failed')!.message).toMatch(
      /forecast from the lake's data up to 2025-06-30/,
    );
    // The monitoring page lists daily's own alert beside monitor's.
    expect(readFileSync(fresh.monitor!.page!, 'utf8')).toContain('data-alert="ingest_failed"');
    const stale = await runDaily({ loaded: broken, runId: 'daily-3', today: '2025-08-30' });
    expect(stale.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['ingest', 'failed'],
      ['infer', 'skipped'],
      ['monitor', 'ok'],
    ]);
    expect(stale.exitCode).toBe(stale.steps[0]!.exitCode);
    expect(stale.exitCode).not.toBe(0);
    expect(stale.alerts.map((a) => a.kind)).toContain('stale_data');
  });

  it('posts the alerts to the webhook, retrying a 500, and never logs its secret', async () => {
    const bodies: string[] = [];
    let calls = 0;
    const base = await listen((req, body, res) => {
      calls++;
      if (calls === 1) {
        res.statusCode = 500;
        res.end('busy');
        return;
      }
      expect(req.url).toBe('/hook/s3cr3t-token?key=s3cr3t-token');
      bodies.push(body);
      res.end('ok');
    });
    const loaded = brokenSource((c) => {
      c.alerts = { webhook: `${base}/hook/s3cr3t-token?key=s3cr3t-token`, timeoutMs: 2000, retries: 2 };
    });
    const { log, text } = capture();
    const r = await runDaily({ loaded, runId: 'daily-4', today: '2025-07-02', log });
    expect(r.webhook).toMatchObject({ sent: true, attempts: 2, status: 200 });
    const payload = JSON.parse(bodies[0]!) as { runId: string; alerts: Array<{ kind: string }> };
    expect(payload.runId).toBe('daily-4');
    expect(payload.alerts.map((a) => a.kind)).toContain('ingest_failed');
    expect(text()).toContain('alerts sent to the webhook');
    expect(text()).not.toContain('s3cr3t');
  });

  it('gives up on a webhook that never answers within its timeouts, and still forecasts', async () => {
    const base = await listen(() => {
      /* never answers */
    });
    const loaded = brokenSource((c) => {
      c.alerts = { webhook: `${base}/hook?token=s3cr3t`, timeoutMs: 300, retries: 1 };
    });
    const { log, text } = capture();
    const r = await runDaily({ loaded, runId: 'daily-5', today: '2025-07-02', log });
    expect(r.infer!.runId).toBe('daily-5');
    expect(r.webhook).toMatchObject({ sent: false, attempts: 2, status: null, error: 'no answer within 300 ms' });
    expect(text()).not.toContain('s3cr3t');
  });
});
