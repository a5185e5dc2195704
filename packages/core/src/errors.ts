// Errors the CLI maps to exit codes: bad usage, config or input exits 2; a failed job exits 1;
// a lock held by another run exits 3; alerts under --fail-on alert exit 4.
// Each carries what the user needs to fix it (file, row, field, flag) in its message.

export class InputError extends Error {
  override readonly name: string = 'InputError';
  readonly exitCode = 2 as const;
}

/** A config file that cannot be read, parsed or validated. */
export class ConfigError extends InputError {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** The job ran but could not finish (a model failed everywhere, a lock was held too long...). */
export class JobError extends Error {
  override readonly name: string = 'JobError';
  readonly exitCode = 1 as const;
}

/**
 * A model could not be fitted or used for a reason that is not the user's input: training diverged,
 * no TensorFlow.js backend loads, or the model was used out of order (predict before fit).
 */
export class ModelError extends JobError {
  override readonly name = 'ModelError';
}

/** Another run holds a lock and did not release it in time: exit 3, so cron can tell "busy" from "broken". */
export class BusyError extends Error {
  override readonly name = 'BusyError';
  readonly exitCode = 3 as const;
}

/** The job succeeded but its checks fired alerts and the user asked to fail on them (`--fail-on alert`): exit 4. */
export class AlertsFiredError extends Error {
  override readonly name = 'AlertsFiredError';
  readonly exitCode = 4 as const;
}

export function exitCodeOf(err: unknown): 1 | 2 | 3 | 4 {
  const code = err instanceof Error && 'exitCode' in err ? (err as { exitCode: unknown }).exitCode : undefined;
  return code === 2 || code === 3 || code === 4 ? code : 1;
}
