// One logger for every step: pino JSON lines on stderr (pretty when stderr is a terminal), each line
// carrying the command and run id. Secrets are redacted by key wherever they sit, and by value for the
// secrets we know of (config passwords and tokens), so a connection string echoed in an error is masked too.
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { Writable } from 'node:stream';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

const SECRET_KEYS = ['password', 'pwd', 'token', 'accessToken', 'secret', 'authorization', 'apiKey', 'connectionString'];

/** pino redact paths for secret keys at the top level and up to three levels down. */
function redactPaths(): string[] {
  const out: string[] = [];
  for (const k of SECRET_KEYS) {
    out.push(k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`);
  }
  return out;
}

export interface LoggerOptions {
  level?: string;
  command: string;
  runId: string;
  /** Known secret values (e.g. from the config) to mask wherever they appear in a message. */
  secrets?: readonly string[];
  /** Where lines go; defaults to stderr. */
  destination?: NodeJS.WritableStream;
  pretty?: boolean;
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 4);
  const destination = opts.destination ?? process.stderr;
  const pretty = opts.pretty ?? (destination === process.stderr && process.stderr.isTTY === true);
  // Masking happens on the final text, so it covers pretty output and values nested in objects too.
  const masked = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const line = String(chunk);
      destination.write(secrets.length ? maskSecrets(line, secrets) : line);
      done();
    },
  });
  const stream: pino.DestinationStream = pretty
    ? pinoPretty({ destination: masked, colorize: true, ignore: 'pid,hostname', sync: true })
    : masked;
  return pino(
    {
      level: opts.level ?? 'info',
      base: { command: opts.command, runId: opts.runId },
      redact: { paths: redactPaths(), censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A logger that drops everything: for library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
