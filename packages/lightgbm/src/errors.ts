// The one error type of this package: LightGBM's own failures (LGBM_GetLastError) and input we
// reject before calling into it. `call` names the operation, so the message says what to fix.

export class LightGBMError extends Error {
  override readonly name = 'LightGBMError';
  constructor(
    readonly call: string,
    message: string,
  ) {
    super(`${call}: ${message}`);
  }
}

/** A model file LightGBM cannot load: malformed text (checked before the C call) or an error it returned. */
export class ModelFileError extends LightGBMError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(file, `not a loadable LightGBM model: ${reason}`);
  }
}

/** Runs a native call and turns whatever it throws into a LightGBMError. */
export function native<T>(call: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw wrap(call, err);
  }
}

export async function nativeAsync<T>(call: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrap(call, err);
  }
}

function wrap(call: string, err: unknown): LightGBMError {
  if (err instanceof LightGBMError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new LightGBMError(call, msg);
}
