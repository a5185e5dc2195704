// What the tests import from the package, plus small predicates on errors.
import { InputError } from '@cvc/core';
export * from '../src/index.js';

export function isInputError(err: unknown): boolean {
  return err instanceof InputError && err.exitCode === 2;
}
