// Quoting for the SQL text we hand to DuckDB; every identifier and literal we splice goes through here.

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function pathList(paths: readonly string[]): string {
  return `[${paths.map(literal).join(', ')}]`;
}

/** Caller SQL is spliced into larger statements: a trailing semicolon would end them early. */
export function fragment(sql: string): string {
  return sql
    .trim()
    .replace(/;+\s*$/, '')
    .trim();
}
