// Which protocols we can read and write. Anything we do not implement is refused up front, because
// misreading (say) a table with deletion vectors would silently return deleted rows.

import { DeltaError } from '../errors.js';
import type { Metadata, Protocol } from '../log/actions.js';
import { fieldWriteBlockers } from '../schema.js';

/** Reader features whose presence changes nothing for a plain Parquet reader like ours. */
const READER_FEATURES = new Set(['vacuumProtocolCheck']);
/** Writer features we either implement or can honour by checking they are not in use. */
const WRITER_FEATURES = new Set([
  'appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'identityColumns',
  'columnMapping', 'clustering', 'domainMetadata', 'vacuumProtocolCheck',
]);

export const CLUSTERED_PROTOCOL: Protocol = {
  minReaderVersion: 1,
  minWriterVersion: 7,
  writerFeatures: ['clustering', 'domainMetadata'],
};

export const PLAIN_PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

function columnMappingMode(metadata: Metadata): string {
  return metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
}

export function assertReadable(table: string, version: number, protocol: Protocol, metadata: Metadata): void {
  const r = protocol.minReaderVersion;
  if (r > 3) throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `reader version ${r} is not supported (max 3)`);
  if (r === 3) {
    const unknown = (protocol.readerFeatures ?? []).filter((f) => !READER_FEATURES.has(f));
    if (unknown.length > 0) {
      throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `the table requires reader features we do not implement: ${unknown.join(', ')}`);
    }
  }
  if (columnMappingMode(metadata) !== 'none') {
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `column mapping (mode ${columnMappingMode(metadata)}) is not supported`);
  }
  if (metadata.partitionColumns?.length) {
    // Partition values live in the log, not in the files; we do not reconstruct them yet.
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version,
      `partitioned tables are not supported (partition columns ${metadata.partitionColumns.join(', ')})`);
  }
}

export function assertWritable(table: string, version: number, protocol: Protocol, metadata: Metadata): void {
  assertReadable(table, version, protocol, metadata);
  const w = protocol.minWriterVersion;
  if (w > 7) throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `writer version ${w} is not supported (max 7)`);
  if (w === 7) {
    const unknown = (protocol.writerFeatures ?? []).filter((f) => !WRITER_FEATURES.has(f));
    if (unknown.length > 0) {
      throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `the table requires writer features we do not implement: ${unknown.join(', ')}`);
    }
  }
  const config = metadata.configuration ?? {};
  const constraints = Object.keys(config).filter((k) => k.startsWith('delta.constraints.'));
  if (constraints.length > 0) {
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `CHECK constraints are not enforced by this writer: ${constraints.join(', ')}`);
  }
  if (config['delta.enableChangeDataFeed'] === 'true') {
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, 'change data feed is enabled; this writer does not write CDC files');
  }
  const blockers = fieldWriteBlockers(metadata.schemaString);
  if (blockers.length > 0) {
    throw new DeltaError('UNSUPPORTED_FEATURE', table, version, `columns with write-time rules we do not enforce: ${blockers.join(', ')}`);
  }
}

export function isAppendOnly(metadata: Metadata): boolean {
  return metadata.configuration?.['delta.appendOnly'] === 'true';
}
