// Names from config become SQL identifiers; they are checked against the same pattern as the config
// schema (a second time here, because library callers can pass a config object that skipped zod) and
// then quoted for the dialect. Values never go through here: they are bound as parameters.
import { sqlName } from '@cvc/core';
import { SourceError } from './errors.js';

export type Dialect = 'duckdb' | 'tsql';

function checked(name: string, what: string): string[] {
  if (!sqlName.safeParse(name).success)
    throw new SourceError('config', `${what} "${name}" is not a valid SQL name (letters, digits, _; optional schema.)`);
  return name.split('.');
}

/** A validated, quoted identifier; `schema.table` is quoted part by part. */
export function quoteName(name: string, dialect: Dialect, what = 'name'): string {
  return checked(name, what)
    .map((p) => (dialect === 'tsql' ? `[${p.replaceAll(']', ']]')}]` : `"${p.replaceAll('"', '""')}"`))
    .join('.');
}

/** A quoted DuckDB string literal (file paths and globs; never row values). */
export function duckLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
