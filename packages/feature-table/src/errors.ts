// Errors of the feature-table readers; each names the table and what is wrong with it.
import { InputError } from '@cvc/core';

/** The feature table is absent or not shaped as ingest writes it: run `cvc ingest` first. */
export class FeatureTableError extends InputError {
  override readonly name = 'FeatureTableError';
  constructor(
    readonly table: string,
    message: string,
  ) {
    super(`${table}: ${message}`);
  }
}
