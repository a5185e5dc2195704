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

/** A configured future column has no value for a day of the forecast window (exit 2). */
export class MissingFutureValueError extends InputError {
  override readonly name = 'MissingFutureValueError';
  constructor(
    readonly column: string,
    readonly storeId: string,
    readonly date: string,
  ) {
    super(
      `source.columns.future "${column}": no value for store ${storeId} on ${date}; the source must hold rows ` +
        `dated after the as-of date with "${column}" set for every forecast day (rerun \`cvc ingest\`)`,
    );
  }
}
