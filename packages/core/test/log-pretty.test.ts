// On a terminal a log event is one line, without the command and run id (JSON lines keep them).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

describe('pretty log lines', () => {
  it('prints one line per event, error messages inline', () => {
    let out = '';
    const destination = new Writable({
      write(c, _e, done) {
        out += String(c);
        done();
      },
    });
    const log = createLogger({ command: 'backtest', runId: 'run-42', destination, pretty: true });
    log.warn(
      { model: 'lgbm', fold: 0, error: 'lgbm: not enough history' },
      'model failed on a fold; the backtest goes on',
    );
    log.info({ rows: 3 }, 'done');
    const lines = out
      .replace(/\x1b\[[0-9;]*m/g, '')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] /);
    expect(lines[0]!.slice('[hh:mm:ss] '.length)).toBe(
      'WARN: model failed on a fold; the backtest goes on ' +
        '{"model":"lgbm","fold":0,"error":"lgbm: not enough history"}',
    );
    expect(out).not.toContain('run-42');
    expect(out).not.toContain('"command"');
  });
});
