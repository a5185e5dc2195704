import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _e, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('writes JSON lines carrying the command and run id', () => {
    const out = capture();
    createLogger({ command: 'ingest', runId: 'r-1', destination: out.stream, pretty: false }).info({ rows: 3 }, 'done');
    expect(out.lines()[0]).toMatchObject({ command: 'ingest', runId: 'r-1', rows: 3, msg: 'done' });
  });

  it('redacts passwords and tokens by key and known secret values anywhere', () => {
    const out = capture();
    const log = createLogger({
      command: 'ingest',
      runId: 'r',
      destination: out.stream,
      pretty: false,
      secrets: ['s3cr3t-pw', 'tok-abc123'],
    });
    log.info({ source: { password: 's3cr3t-pw', user: 'bob' }, auth: { token: 'other-token' } }, 'connecting');
    log.error({ err: 'Login failed: Password=s3cr3t-pw' }, 'bearer tok-abc123 refused');
    const text = out.text();
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).not.toContain('tok-abc123');
    expect(text).not.toContain('other-token');
    expect(text).toContain('bob');
    expect(out.lines()[1]!['msg']).toBe('bearer [REDACTED] refused');
  });

  it('masks the password in any URI userinfo, on every line', () => {
    const out = capture();
    const log = createLogger({ command: 'train', runId: 'r', destination: out.stream, pretty: false });
    log.info({ uri: 'http://cvc:p@ss-9931@mlflow.local:5000/api' }, 'tracking to MLflow');
    log.warn('fetch https://tok-only-88123@host/x failed');
    const text = out.text();
    expect(text).not.toContain('p@ss-9931');
    expect(text).not.toContain('tok-only-88123');
    expect(out.lines()[0]!['uri']).toBe('http://cvc:[REDACTED]@mlflow.local:5000/api');
    expect(out.lines()[1]!['msg']).toBe('fetch https://[REDACTED]@host/x failed');
  });
});
