// Progress: honest ETAs, a line erased before a log line and redrawn after, and without a terminal an
// info line at most every 10 s (the clock is injected: no timing in the test).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { etaSeconds, loggedProgress, progressText, terminalProgress } from '../src/progress.js';

describe('progress', () => {
  it('gives no ETA too early or when done, and the rate so far otherwise', () => {
    expect(etaSeconds(0, 1_000, 1, 3)).toBeNull(); // 1 s in: too early
    expect(etaSeconds(0, 60_000, 0.01, 1)).toBeNull(); // 1 % done: too little
    expect(etaSeconds(0, 60_000, 3, 3)).toBeNull(); // done: nothing left to promise
    expect(etaSeconds(0, 60_000, 1, 4)).toBe(180); // a quarter in a minute: three more minutes
    expect(
      progressText({ phase: 'backtest', done: 2.5, total: 8, detail: 'running nbeats fold 3/4 epoch 8/16' }, 40, 8),
    ).toBe('backtest [###.....] 2/8 ~40s left running nbeats fold 3/4 epoch 8/16');
  });

  it('erases the line before a log line and draws it again after', () => {
    let out = '';
    const stream = new Writable({
      write(c, _e, done) {
        out += String(c);
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const bar = terminalProgress(stream);
    bar({ phase: 'ingest', done: 1, total: 4 });
    expect(out).toBe('\r\x1b[2Kingest [######..................] 1/4');
    out = '';
    bar.clear();
    expect(out).toBe('\r\x1b[2K');
    out = '';
    bar.redraw();
    expect(out).toBe('\r\x1b[2Kingest [######..................] 1/4');
    out = '';
    bar.end();
    bar.redraw();
    expect(out).toBe('\r\x1b[2K');
  });

  it('logs at most one line every 10 s without a terminal', () => {
    let t = 0;
    const lines: [Record<string, unknown>, string][] = [];
    const p = loggedProgress({ info: (o, m) => lines.push([o, m]) }, 10_000, () => t);
    for (t = 0; t <= 35_000; t += 1_000)
      p({ phase: 'backtest', done: t / 1_000, total: 70, detail: 'running lgbm fold 1/4' });
    expect(lines.map(([o]) => o['done'])).toEqual([10, 20, 30]);
    expect(lines[0]![1]).toBe('backtest 10/70 ~60s left running lgbm fold 1/4');
    expect(lines[0]![0]).toMatchObject({ phase: 'backtest', total: 70, etaSeconds: 60 });
  });
});
