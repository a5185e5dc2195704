// Typed errors of @cvc/mlops. Bad bundles, archives and aliases are the user's input (exit 2) and
// name the file or alias to look at; a tracking server that keeps failing is a failed job (exit 1).
import { InputError, JobError } from '@cvc/core';

/** A bundle whose files do not match its manifest (tampered, truncated, extra or missing files). */
export class BundleIntegrityError extends InputError {
  override readonly name = 'BundleIntegrityError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A bundle whose signature is missing or wrong while registry.signingKey is set. */
export class BundleSignatureError extends InputError {
  override readonly name = 'BundleSignatureError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A manifest that cannot be read or does not match the schema. */
export class BundleManifestError extends InputError {
  override readonly name = 'BundleManifestError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A bundle written by a newer cvc (format version above what this build reads). */
export class BundleVersionError extends InputError {
  override readonly name = 'BundleVersionError';
  constructor(
    readonly file: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(`${file}: bundle format version ${found} is newer than this cvc reads (${supported}); upgrade cvc`);
  }
}

/** A bundle holding a model kind for which no ForecasterFactory was given. */
export class UnknownModelKindError extends InputError {
  override readonly name = 'UnknownModelKindError';
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file}: model kind "${kind}" has no loader in this build`);
  }
}

/** A .tar.gz whose entries would land outside the target directory, or are links or devices. */
export class UnsafeArchiveError extends InputError {
  override readonly name = 'UnsafeArchiveError';
  constructor(
    readonly file: string,
    readonly entry: string,
    message: string,
  ) {
    super(`${file}: entry "${entry}" refused: ${message}`);
  }
}

/** What to run when the registry holds nothing yet. */
export const NO_VERSION_HINT = 'no model is trained yet: run `cvc train` first (or `cvc demo` for the demo)';

/** An alias or version the registry does not hold. */
export class UnknownAliasError extends InputError {
  override readonly name = 'UnknownAliasError';
  constructor(
    readonly registry: string,
    readonly alias: string,
    message?: string,
  ) {
    super(`${registry}: ${message ?? `no version has alias or number "${alias}"`}`);
  }
}

/** Bad arguments to a registry or bundle call (e.g. an invalid alias name). */
export class MlopsInputError extends InputError {
  override readonly name = 'MlopsInputError';
}

/** The MLflow server answered with an error, or stayed unreachable after the retries. */
// JobError fixes its `name` literal, so these subclasses keep it and are told apart by instanceof.
export class MlflowError extends JobError {
  constructor(
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(
      `MLflow ${endpoint}: ${status !== undefined ? `HTTP ${status} ` : ''}` +
        `${errorCode ? `${errorCode} ` : ''}${message}`,
    );
  }
}

/** A registry lock held by another process for longer than we wait. */
export class RegistryLockError extends JobError {}

/** A run id (or id prefix) the local tracking tables do not hold, or hold more than once. */
export class RunNotFoundError extends InputError {
  override readonly name = 'RunNotFoundError';
  constructor(
    readonly root: string,
    readonly runId: string,
    message?: string,
  ) {
    super(`${root}: ${message ?? `no run with id "${runId}"; see \`cvc runs list\` (--all for model runs)`}`);
  }
}

/** An alias change based on a registry state another writer has already replaced (stale writer). */
export class RegistryConflictError extends JobError {
  override readonly name = 'RegistryConflictError';
}
