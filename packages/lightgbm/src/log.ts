// Routes LightGBM's log lines (it writes them to stdout by default) to a caller's logger.
// Without a logger the lines are dropped: a library must not print into our CLI's output.
import { addon } from './native.js';

export type LogLevel = 'info' | 'warn' | 'debug' | 'fatal';
export type LightGBMLogger = (level: LogLevel, message: string) => void;

/** Installs the process-wide logger (LightGBM has a single log callback); null silences it. */
export function setLogger(logger: LightGBMLogger | null): void {
  addon().setLogger(logger ? (line) => logger(...parseLine(line)) : null);
}

// LightGBM prefixes each line with "[LightGBM] [Info] ".
export function parseLine(line: string): [LogLevel, string] {
  const m = /^\[LightGBM\] \[(Info|Warning|Debug|Fatal)\] ?(.*)$/s.exec(line);
  if (!m) return ['info', line];
  const level = ({ Info: 'info', Warning: 'warn', Debug: 'debug', Fatal: 'fatal' } as const)[
    m[1] as 'Info' | 'Warning' | 'Debug' | 'Fatal'
  ];
  return [level, m[2] ?? ''];
}
