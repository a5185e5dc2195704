// One logger for every step: pino JSON lines on stderr (pretty when stderr is a terminal), each line
// carrying the command and run id. Secrets are redacted by key wherever they sit, by value for the
// secrets we know of (config passwords and tokens), and the password in any URI's userinfo is masked,
// so a connection string or tracking URI echoed in an error is masked too.
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { Writable } from 'node:stream';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

const SECRET_KEYS = [
  'password',
  'pwd',
  'token',
  'accessToken',
  'secret',
  'authorization',
  'apiKey',
  'connectionString',
];

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

/** Config keys whose values are secrets, misspelt ones too (passwrd, apiKey, signingKey, DATABRICKS_TOKEN). */
export function isSecretKey(key: string): boolean {
  return /pass|pwd|token|secret|key|credential/i.test(key);
}

// scheme://userinfo@ : the userinfo runs to the last '@' before the path, so a raw '@' in a password is covered.
const URI_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s"'@]*(?:@[^/?#\s"'@]*)*)@(?=[^/?#\s"'@]*(?:[/?#\s"']|$))/gi;

/** `https://user:pw@host/x` -> `https://user:[REDACTED]@host/x` (a user with no password is masked whole). */
export function maskUserinfo(text: string): string {
  return text.replace(URI_USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon >= 0 ? `${info.slice(0, colon)}:${REDACTED}` : REDACTED}@`;
  });
}

/** The password (or the whole userinfo) of every URI in `text`, raw and decoded, to mask by value. */
export function userinfoSecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URI_USERINFO)) {
    const info = m[2]!;
    const secret = info.includes(':') ? info.slice(info.indexOf(':') + 1) : info;
    if (!secret) continue;
    out.push(secret);
    try {
      out.push(decodeURIComponent(secret));
    } catch {
      // not percent-encoded: the raw form is enough
    }
  }
  return out;
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = maskUserinfo(text);
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 4) out = out.split(s).join(REDACTED);
  }
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
      destination.write(maskSecrets(line, secrets));
      done();
    },
  });
  // On a terminal one line per event: the command and run id are known to the person watching (the
  // summary prints the run id), so they stay in the JSON lines only.
  const stream: pino.DestinationStream = pretty
    ? pinoPretty({
        destination: masked,
        colorize: true,
        ignore: 'pid,hostname,command,runId',
        singleLine: true,
        // A step's `error` field is a message string: inline, not a block (err objects keep their stack block).
        errorLikeObjectKeys: ['err'],
        translateTime: 'SYS:HH:MM:ss',
        sync: true,
      })
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
