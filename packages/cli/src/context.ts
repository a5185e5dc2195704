// What every command gets: the loaded config, a logger carrying the command and a run id, progress
// drawing (only on a terminal and without --json), and how to print its summary.
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import {
  InputError,
  configSecrets,
  createLogger,
  noProgress,
  loadConfig,
  formatters,
  loggedProgress,
  resolveLocale,
  terminalProgress,
  type LoadedConfig,
  type Logger,
  type ProgressFn,
} from '@cvc/core';
import { loadCvcConfig } from '@cvc/models';
import { rememberRun } from './errors.js';

export interface GlobalOptions {
  config: string;
  logLevel: string;
  json: boolean;
}

export interface RunContext {
  command: string;
  runId: string;
  loaded: LoadedConfig;
  log: Logger;
  progress: ProgressFn;
  json: boolean;
  /** Prints the human summary lines, or the JSON document with --json, on stdout. */
  done(summary: Record<string, unknown>, lines: string[]): void;
}

/**
 * `reads: true` for commands that only read the data directory (forecast show, runs list/show, models
 * list/show): they run on a read-only data directory, so the writable check is for the others.
 */
export function createContext(command: string, g: GlobalOptions, opts: { reads?: boolean } = {}): RunContext {
  const runId = randomUUID();
  // The config is loaded before the logger exists, so its errors surface as plain one-liners.
  // Through @cvc/models, so every model section is checked against its kind's schema.
  const loaded = loadCvcConfig(g.config);
  // Secrets the config carries (passwords, tokens, URI userinfo) are masked in every log and error line.
  const secrets = configSecrets(loaded.config);
  rememberRun({ dataDir: loaded.paths.data, secrets });
  if (!opts.reads) ensureWritable(loaded.paths.data, `${loaded.file}: lake.root's parent`);
  setLocale(resolveLocale(loaded.config.ui.locale));
  const tty = process.stderr.isTTY === true;
  const drawn = !g.json && tty && g.logLevel !== 'debug';
  const bar = drawn ? terminalProgress() : null;
  // A log line first erases the progress line and then redraws it, so the two never run together.
  const destination = bar
    ? new Writable({
        write(chunk: Buffer | string, _enc, done) {
          bar.clear();
          process.stderr.write(chunk);
          bar.redraw();
          done();
        },
      })
    : process.stderr;
  const log = createLogger({ command, runId, level: g.logLevel, secrets, destination, pretty: tty });
  return {
    command,
    runId,
    loaded,
    log,
    // Without a terminal (cron, --json) a long step still says where it is: an info line every 10 s at most.
    progress: bar ?? loggedProgress(log),
    json: g.json,
    done(summary, lines) {
      bar?.end();
      if (g.json) process.stdout.write(`${JSON.stringify({ command, runId, ...summary }, jsonReplacer)}\n`);
      else process.stdout.write(`${lines.join('\n')}\n`);
    },
  };
}

/** The data directory must exist or be creatable, and be writable, before any step starts. */
function ensureWritable(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new InputError(
      `data directory ${dir} (${what}) is not writable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** NaN and typed arrays are not JSON: print null and plain arrays. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

// The command's locale (ui.locale, else the environment): set once per process by createContext, so
// every command's summary formats numbers the same way without passing formatters around.
let display = formatters('en-US');
function setLocale(locale: string): void {
  display = formatters(locale);
}

export const fmt = {
  pct: (x: number) => display.pct(x),
  s: (x: number) => `${display.num(x, 1)} s`,
  int: (x: number) => display.int(x),
  money: (x: number) => display.money(x),
};
