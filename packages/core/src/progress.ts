// Progress of long steps, reported as plain events; the CLI decides how to show them: a line on a
// terminal, or an info log line at most every few seconds without one (cron, --json). Steps never
// write to the terminal themselves.

export interface ProgressEvent {
  phase: string; // e.g. "ingest", "backtest", "train 2/3 nbeats"
  /** Units done; may be fractional (folds finished plus the running folds' share). */
  done: number;
  total: number;
  detail?: string;
}

export type ProgressFn = (e: ProgressEvent) => void;

export const noProgress: ProgressFn = () => {};

/** No ETA before this much time or this share of the work: an early extrapolation is a guess. */
const ETA_MIN_MS = 3_000;
const ETA_MIN_SHARE = 0.02;

/** Seconds left at the rate so far, or null when it is too early (or done) to say honestly. */
export function etaSeconds(startedMs: number, nowMs: number, done: number, total: number): number | null {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const elapsed = nowMs - startedMs;
  if (frac >= 1 || frac < ETA_MIN_SHARE || elapsed < ETA_MIN_MS) return null;
  return Math.max(0, Math.round((elapsed / frac - elapsed) / 1000));
}

const count = (x: number) => (Number.isInteger(x) ? String(x) : String(Math.floor(x)));

/** The text of one progress event: `backtest [#####...] 3/12 ~40s left running nbeats fold 2/4 epoch 5/16`. */
export function progressText(e: ProgressEvent, eta: number | null, barWidth = 24): string {
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const bar = barWidth > 0 ? ` [${'#'.repeat(Math.round(frac * barWidth)).padEnd(barWidth, '.')}]` : '';
  const left = eta === null ? '' : ` ~${eta}s left`;
  return `${e.phase}${bar} ${count(e.done)}/${e.total}${left}${e.detail ? ` ${e.detail}` : ''}`;
}

export interface TerminalProgress extends ProgressFn {
  /** Erases the line (before a log line is written); `redraw` puts it back. */
  clear(): void;
  redraw(): void;
  end(): void;
}

/** A single self-rewriting status line with an ETA, for a terminal. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): TerminalProgress {
  const started = new Map<string, number>();
  let lastDraw = 0;
  let line = '';
  let drawn = false;
  const draw = () => {
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
    drawn = true;
  };
  const fn = ((e: ProgressEvent) => {
    const now = Date.now();
    if (!started.has(e.phase)) started.set(e.phase, now);
    if (now - lastDraw < 100 && e.done < e.total) return;
    lastDraw = now;
    line = progressText(e, etaSeconds(started.get(e.phase)!, now, e.done, e.total));
    draw();
  }) as TerminalProgress;
  fn.clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  fn.redraw = () => {
    if (line && !drawn) draw();
  };
  fn.end = () => {
    fn.clear();
    line = '';
  };
  return fn;
}

/** Without a terminal: one info line per `everyMs` at most, so a cron log shows a long step moving. */
export function loggedProgress(
  log: { info(obj: Record<string, unknown>, msg: string): void },
  everyMs = 10_000,
  now: () => number = Date.now,
): ProgressFn {
  const started = new Map<string, number>();
  let last = now();
  return (e) => {
    const t = now();
    if (!started.has(e.phase)) started.set(e.phase, t);
    if (t - last < everyMs) return;
    last = t;
    const eta = etaSeconds(started.get(e.phase)!, t, e.done, e.total);
    const fields = {
      phase: e.phase,
      done: Math.floor(e.done),
      total: e.total,
      ...(eta === null ? {} : { etaSeconds: eta }),
      ...(e.detail ? { detail: e.detail } : {}),
    };
    log.info(fields, progressText(e, eta, 0));
  };
}
