// Ingest's typed errors: each names what to fix (config key, file, table, row, field).
import { InputError, JobError } from '@cvc/core';

// JobError fixes `name` to its literal type; subclasses still want their own name in messages.
function renamed(err: Error, name: string): void {
  Object.defineProperty(err, 'name', { value: name, enumerable: false });
}

/** A source that is misconfigured or whose data cannot be read as configured (exit 2). */
export class SourceError extends InputError {
  override readonly name = 'SourceError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`source ${source}: ${message}`);
  }
}

/** `--strict` and the sales read returned no row (exit 2): an empty export should not pass unnoticed. */
export class EmptySourceError extends InputError {
  override readonly name = 'EmptySourceError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`source ${source}: ${message}; --strict fails the run on zero rows read. Nothing was written.`);
  }
}

/** The source could not be reached or failed mid-read after all retries (exit 1). */
export class SourceUnavailableError extends JobError {
  constructor(
    readonly source: string,
    message: string,
    readonly attempts: number,
  ) {
    super(`source ${source}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
    renamed(this, 'SourceUnavailableError');
  }
}

/** `--strict` and the quality gate refused rows: they are in the quarantine table, nothing else changed. */
export class QuarantineError extends JobError {
  constructor(
    readonly byReason: Record<string, number>,
    readonly table: string,
  ) {
    const parts = Object.entries(byReason)
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ');
    super(
      `--strict: ${Object.values(byReason).reduce((a, b) => a + b, 0)} row(s) quarantined (${parts}); see ` +
        `${table}. The feature table was not changed.`,
    );
    renamed(this, 'QuarantineError');
  }
}

/** Bad flags or options of `cvc ingest` (exit 2). */
export class IngestOptionError extends InputError {
  override readonly name = 'IngestOptionError';
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
  }
}
