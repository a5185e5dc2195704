// Which protocols we can read and write. Anything we do not implement is refused up front, because
// misreading (say) a table with a feature we ignore would silently return wrong rows.

import { DeltaError } from '../errors.js';
import type { Metadata, Protocol } from '../log/actions.js';
import { fieldWriteBlockers } from '../schema.js';

/** The domain Spark and Delta Kernel keep clustering columns in. */
export const CLUSTERING_DOMAIN = 'delta.clustering';

/** Reader features whose presence changes nothing for a plain Parquet reader like ours. */
const READER_FEATURES = new Set(['vacuumProtocolCheck', 'deletionVectors']);
/** Writer features we either implement or can honour by checking they are not in use. */
const WRITER_FEATURES = new Set([
  'appendOnly',
  'invariants',
  'checkConstraints',
  'changeDataFeed',
  'generatedColumns',
  'identityColumns',
  'columnMapping',
  'clustering',
  'domainMetadata',
  'vacuumProtocolCheck',
  'deletionVectors',
]);

/**
 * The writer features Delta lists for a table at writer version 7, in the order we write them. The
 * first seven are what legacy writer versions 2-6 imply (PROTOCOL.md, "Table Features"); Spark lists
 * appendOnly and invariants on every table it creates, and so do we.
 */
const FEATURE_ORDER = [
  'appendOnly',
  'invariants',
  'checkConstraints',
  'changeDataFeed',
  'generatedColumns',
  'columnMapping',
  'identityColumns',
  'deletionVectors',
  'clustering',
  'domainMetadata',
];
const LEGACY_WRITER_FEATURES: ReadonlyArray<readonly [version: number, feature: string]> = [
  [2, 'appendOnly'],
  [2, 'invariants'],
  [3, 'checkConstraints'],
  [4, 'changeDataFeed'],
  [4, 'generatedColumns'],
  [5, 'columnMapping'],
  [6, 'identityColumns'],
];

export const PLAIN_PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

/**
 * Table properties that turn on a feature this writer cannot honour (it would write files or log
 * entries the feature forbids). Refused when set, so no table we write claims a feature falsely.
 */
const UNSUPPORTED_FEATURE_PROPERTIES: ReadonlyArray<readonly [key: string, enabled: (v: string) => boolean]> = [
  ['delta.enableChangeDataFeed', (v) => v === 'true'],
  ['delta.enableRowTracking', (v) => v === 'true'],
  ['delta.enableTypeWidening', (v) => v === 'true'],
  ['delta.enableInCommitTimestamps', (v) => v === 'true'],
  ['delta.enableIcebergCompatV1', (v) => v === 'true'],
  ['delta.enableIcebergCompatV2', (v) => v === 'true'],
  ['delta.checkpointPolicy', (v) => v !== 'classic'],
  ['delta.columnMapping.mode', (v) => v !== 'none'],
];

export function assertPropertiesSupported(
  table: string,
  version: number | undefined,
  properties: Record<string, string>,
): void {
  for (const [k, v] of Object.entries(properties)) {
    const refused =
      k.startsWith('delta.constraints.') ||
      k.startsWith('delta.feature.') ||
      UNSUPPORTED_FEATURE_PROPERTIES.some(([key, enabled]) => key === k && enabled(v));
    if (refused) {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        `table property ${k}=${v} turns on a Delta feature this writer does not implement`,
      );
    }
  }
}

interface SchemaNode {
  type?: unknown;
  fields?: SchemaNode[];
  nullable?: boolean;
  metadata?: Record<string, unknown>;
  elementType?: unknown;
  valueType?: unknown;
  keyType?: unknown;
}

/** Walks every struct field, nested ones included (Spark derives invariants from nested fields too). */
function forEachField(node: unknown, visit: (f: SchemaNode) => void): void {
  if (node === null || typeof node !== 'object') return;
  const n = node as SchemaNode;
  for (const f of n.fields ?? []) {
    visit(f);
    forEachField(f.type, visit);
  }
  forEachField(n.elementType, visit);
  forEachField(n.keyType, visit);
  forEachField(n.valueType, visit);
}

/**
 * The writer features a table's metadata and domains turn on: the features a protocol must list (or,
 * below version 7, imply) before Spark will touch the table. Spark counts a NOT NULL column as a
 * column invariant, though PROTOCOL.md only names `delta.invariants` metadata.
 */
export function requiredWriterFeatures(metadata: Metadata, domains: readonly string[]): string[] {
  const need = new Set<string>();
  const config = metadata.configuration ?? {};
  forEachField(JSON.parse(metadata.schemaString), (f) => {
    if (f.nullable === false || f.metadata?.['delta.invariants'] !== undefined) need.add('invariants');
    if (f.metadata?.['delta.generationExpression'] !== undefined) need.add('generatedColumns');
    if (Object.keys(f.metadata ?? {}).some((k) => k.startsWith('delta.identity.'))) need.add('identityColumns');
  });
  if (config['delta.appendOnly'] === 'true') need.add('appendOnly');
  if (Object.keys(config).some((k) => k.startsWith('delta.constraints.'))) need.add('checkConstraints');
  if (config['delta.enableChangeDataFeed'] === 'true') need.add('changeDataFeed');
  if (columnMappingMode(metadata) !== 'none') need.add('columnMapping');
  if (deletionVectorsEnabled(metadata)) need.add('deletionVectors');
  if (domains.length > 0) need.add('domainMetadata');
  if (domains.includes(CLUSTERING_DOMAIN)) need.add('clustering');
  return ordered(need);
}

function ordered(features: Iterable<string>): string[] {
  const set = new Set(features);
  const known = FEATURE_ORDER.filter((f) => set.has(f));
  return [...known, ...[...set].filter((f) => !FEATURE_ORDER.includes(f)).sort()];
}

/** The writer features a protocol supports: listed at version 7, implied by the version below it. */
export function supportedWriterFeatures(protocol: Protocol): string[] {
  if (protocol.minWriterVersion >= 7) return [...(protocol.writerFeatures ?? [])];
  return LEGACY_WRITER_FEATURES.filter(([v]) => v <= protocol.minWriterVersion).map(([, f]) => f);
}

/** Reader features a table's metadata turns on (each is a writer feature too). */
export function requiredReaderFeatures(metadata: Metadata): string[] {
  return deletionVectorsEnabled(metadata) ? ['deletionVectors'] : [];
}

/** `delta.enableDeletionVectors=true`: writers may write DVs (readers honour DVs whatever it says). */
export function deletionVectorsEnabled(metadata: Metadata): boolean {
  return metadata.configuration?.['delta.enableDeletionVectors'] === 'true';
}

/**
 * The protocol a new table gets: legacy (1, 2) when that covers its features, else (1, 7) listing
 * them, or (3, 7) with reader features when one is needed (deletion vectors).
 */
export function protocolForNewTable(metadata: Metadata, domains: readonly string[]): Protocol {
  const need = requiredWriterFeatures(metadata, domains);
  const readers = requiredReaderFeatures(metadata);
  const legacy = supportedWriterFeatures(PLAIN_PROTOCOL);
  if (readers.length === 0 && need.every((f) => legacy.includes(f))) return PLAIN_PROTOCOL;
  const writerFeatures = ordered([...legacy, ...need]);
  if (readers.length === 0) return { minReaderVersion: 1, minWriterVersion: 7, writerFeatures };
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: readers, writerFeatures };
}

/**
 * The protocol a table must move to before its next commit, or undefined when its protocol already
 * lists every feature its metadata turns on. Tables written by cvc before this check existed have
 * (1, 7, [clustering, domainMetadata]) with NOT NULL columns, which Spark refuses to read; a table
 * that turns deletion vectors on moves to reader version 3 listing `deletionVectors`.
 */
export function protocolUpgrade(
  protocol: Protocol,
  metadata: Metadata,
  domains: readonly string[],
): Protocol | undefined {
  const have = supportedWriterFeatures(protocol);
  const missing = requiredWriterFeatures(metadata, domains).filter((f) => !have.includes(f));
  const haveReaders = protocol.minReaderVersion >= 3 ? [...(protocol.readerFeatures ?? [])] : [];
  const missingReaders = requiredReaderFeatures(metadata).filter((f) => !haveReaders.includes(f));
  if (missing.length === 0 && missingReaders.length === 0) return undefined;
  // Moving a legacy table to version 7 lists what its old version implied, as Spark does.
  const upgraded: Protocol = {
    minReaderVersion: protocol.minReaderVersion,
    minWriterVersion: 7,
    writerFeatures: protocol.minWriterVersion >= 7 ? [...have, ...missing] : ordered([...have, ...missing]),
  };
  if (protocol.readerFeatures) upgraded.readerFeatures = protocol.readerFeatures;
  if (missingReaders.length > 0) {
    if (protocol.minReaderVersion === 2) {
      // Reader version 2 implies column mapping, which cvc refuses; there is nothing to carry over.
      haveReaders.push('columnMapping');
    }
    upgraded.minReaderVersion = 3;
    upgraded.readerFeatures = [...haveReaders, ...missingReaders];
    // A reader feature is listed among the writer features too (PROTOCOL.md, "Supported Features").
    const writers = upgraded.writerFeatures!;
    for (const f of upgraded.readerFeatures) if (!writers.includes(f)) writers.push(f);
  }
  return upgraded;
}

/** Same versions and the same feature sets, whatever the order. */
export function sameProtocol(a: Protocol, b: Protocol): boolean {
  const set = (x: string[] | null | undefined) => [...new Set(x ?? [])].sort().join(',');
  return (
    a.minReaderVersion === b.minReaderVersion &&
    a.minWriterVersion === b.minWriterVersion &&
    set(a.readerFeatures) === set(b.readerFeatures) &&
    set(a.writerFeatures) === set(b.writerFeatures)
  );
}

function columnMappingMode(metadata: Metadata): string {
  return metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
}

export function assertReadable(table: string, version: number, protocol: Protocol, metadata: Metadata): void {
  const r = protocol.minReaderVersion;
  if (r > 3)
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `reader version ${r} is not supported (max 3)`);
  if (r === 3) {
    const unknown = (protocol.readerFeatures ?? []).filter((f) => !READER_FEATURES.has(f));
    if (unknown.length > 0) {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        `the table requires reader features we do not implement: ${unknown.join(', ')}`,
      );
    }
  }
  if (columnMappingMode(metadata) !== 'none') {
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      `column mapping (mode ${columnMappingMode(metadata)}) is not supported`,
    );
  }
  if (metadata.partitionColumns?.length) {
    // Partition values live in the log, not in the files; we do not reconstruct them yet.
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      `partitioned tables are not supported (partition columns ${metadata.partitionColumns.join(', ')})`,
    );
  }
}

export function assertWritable(table: string, version: number, protocol: Protocol, metadata: Metadata): void {
  assertReadable(table, version, protocol, metadata);
  const w = protocol.minWriterVersion;
  if (w > 7)
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `writer version ${w} is not supported (max 7)`);
  if (w === 7) {
    const unknown = (protocol.writerFeatures ?? []).filter((f) => !WRITER_FEATURES.has(f));
    if (unknown.length > 0) {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        `the table requires writer features we do not implement: ${unknown.join(', ')}`,
      );
    }
  }
  const config = metadata.configuration ?? {};
  const constraints = Object.keys(config).filter((k) => k.startsWith('delta.constraints.'));
  if (constraints.length > 0) {
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      `CHECK constraints are not enforced by this writer: ${constraints.join(', ')}`,
    );
  }
  if (config['delta.enableChangeDataFeed'] === 'true') {
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      'change data feed is enabled; this writer does not write CDC files',
    );
  }
  const blockers = fieldWriteBlockers(metadata.schemaString);
  if (blockers.length > 0) {
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      `columns with write-time rules we do not enforce: ${blockers.join(', ')}`,
    );
  }
}

export function isAppendOnly(metadata: Metadata): boolean {
  return metadata.configuration?.['delta.appendOnly'] === 'true';
}
