// Column types: the DuckDB names callers use, the Delta schemaString they become, and back.

import { DeltaError } from './errors.js';

export type DeltaColumnType =
  'INTEGER' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP WITH TIME ZONE' | 'TIMESTAMPTZ';

export interface ColumnDef {
  name: string;
  type: DeltaColumnType;
  /** Default true. */
  nullable?: boolean;
  comment?: string;
}

/** A column as the snapshot knows it: `sqlType` is the DuckDB type we cast to on read. */
export interface SchemaField {
  name: string;
  deltaType: string;
  /** DuckDB type; undefined for nested types we pass through untouched. */
  sqlType: string | undefined;
  nullable: boolean;
  comment?: string;
}

interface DeltaStructField {
  name: string;
  type: unknown;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

const toDelta: Record<DeltaColumnType, string> = {
  INTEGER: 'integer',
  BIGINT: 'long',
  DOUBLE: 'double',
  VARCHAR: 'string',
  BOOLEAN: 'boolean',
  DATE: 'date',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMPTZ: 'timestamp',
};

// Primitive Delta types other writers may use; we read them even though we only create the ones above.
const toSql: Record<string, string> = {
  byte: 'TINYINT',
  short: 'SMALLINT',
  integer: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
};

export function normaliseType(table: string, type: string): DeltaColumnType {
  const upper = type.trim().toUpperCase().replace(/\s+/g, ' ');
  if (upper === 'TIMESTAMPTZ') return 'TIMESTAMP WITH TIME ZONE';
  if (upper === 'INT' || upper === 'INT4') return 'INTEGER';
  if (upper === 'INT8') return 'BIGINT';
  if (upper === 'STRING' || upper === 'TEXT') return 'VARCHAR';
  if (upper === 'BOOL') return 'BOOLEAN';
  if (upper === 'FLOAT8') return 'DOUBLE';
  if (upper in toDelta) return upper as DeltaColumnType;
  throw new DeltaError(
    'INVALID_ARGUMENT',
    table,
    undefined,
    `column type ${type} is not supported ` +
      '(use INTEGER, BIGINT, DOUBLE, VARCHAR, BOOLEAN, DATE or TIMESTAMP WITH TIME ZONE)',
  );
}

export function toSchemaString(table: string, columns: readonly ColumnDef[]): string {
  const seen = new Set<string>();
  const fields: DeltaStructField[] = columns.map((c) => {
    const key = c.name.toLowerCase();
    // Delta column names are case-insensitive; two that differ only by case would collide in Spark.
    if (seen.has(key)) throw new DeltaError('INVALID_ARGUMENT', table, undefined, `duplicate column ${c.name}`);
    seen.add(key);
    if (!c.name) throw new DeltaError('INVALID_ARGUMENT', table, undefined, 'empty column name');
    const metadata: Record<string, unknown> = c.comment ? { comment: c.comment } : {};
    return { name: c.name, type: toDelta[normaliseType(table, c.type)], nullable: c.nullable ?? true, metadata };
  });
  return JSON.stringify({ type: 'struct', fields });
}

function sqlTypeOf(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (dec) return `DECIMAL(${dec[1]}, ${dec[2]})`;
  return toSql[type];
}

export function parseSchemaString(table: string, version: number, schemaString: string): SchemaField[] {
  let parsed: { type?: string; fields?: DeltaStructField[] };
  try {
    parsed = JSON.parse(schemaString) as typeof parsed;
  } catch (e) {
    throw new DeltaError('CORRUPT_LOG', table, version, 'metaData.schemaString is not valid JSON', { cause: e });
  }
  if (parsed.type !== 'struct' || !Array.isArray(parsed.fields)) {
    throw new DeltaError('CORRUPT_LOG', table, version, 'metaData.schemaString is not a struct type');
  }
  return parsed.fields.map((f) => {
    if (f.type === 'timestamp_ntz') {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        `column ${f.name} has type timestamp_ntz, which is not supported`,
      );
    }
    const comment = typeof f.metadata?.['comment'] === 'string' ? (f.metadata['comment'] as string) : undefined;
    return {
      name: f.name,
      deltaType: typeof f.type === 'string' ? f.type : JSON.stringify(f.type),
      sqlType: sqlTypeOf(f.type),
      nullable: f.nullable,
      ...(comment === undefined ? {} : { comment }),
    };
  });
}

/** Whether a column has write-time constraints we cannot honour (invariants, generated columns, ...). */
export function fieldWriteBlockers(schemaString: string): string[] {
  const blockers: string[] = [];
  const parsed = JSON.parse(schemaString) as { fields?: DeltaStructField[] };
  for (const f of parsed.fields ?? []) {
    for (const key of Object.keys(f.metadata ?? {})) {
      if (key === 'delta.invariants' || key === 'delta.generationExpression' || key.startsWith('delta.identity')) {
        blockers.push(`${f.name} (${key})`);
      }
    }
  }
  return blockers;
}
