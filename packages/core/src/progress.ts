// Progress of long steps, reported as plain events; the CLI decides whether to draw them (a line on a
// terminal) or drop them (not a terminal, or --json). Steps never write to the terminal themselves.

export interface ProgressEvent {
  phase: string; // e.g. "ingest", "backtest fold 2/4 lgbm"
  done: number;
  total: number;
  detail?: string;
}

export type ProgressFn = (e: ProgressEvent) => void;

export const noProgress: ProgressFn = () => {};

/** A single self-rewriting status line with an ETA, for a terminal. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressFn & { end(): void } {
  const started = new Map<string, number>();
  let lastDraw = 0;
  let drawn = false;
  const fn = ((e: ProgressEvent) => {
    const now = Date.now();
    if (!started.has(e.phase)) started.set(e.phase, now);
    if (now - lastDraw < 100 && e.done < e.total) return;
    lastDraw = now;
    const t0 = started.get(e.phase)!;
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const eta = frac > 0 && frac < 1 ? ` ~${Math.round(((now - t0) / frac - (now - t0)) / 1000)}s left` : '';
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${e.phase} [${bar}] ${e.done}/${e.total}${eta}${e.detail ? ` ${e.detail}` : ''}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
    drawn = true;
  }) as ProgressFn & { end(): void };
  fn.end = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return fn;
}
