// Picks the source named by `source.kind`.
import { dirname } from 'node:path';
import type { LoadedConfig, Logger } from '@cvc/core';
import { SourceError } from '../errors.js';
import { DuckDbSource } from './duckdb.js';
import { FilesSource } from './files.js';
import { MssqlSource, type MssqlSourceOptions } from './mssql/index.js';
import type { Source } from './source.js';

export function openSource(
  loaded: Pick<LoadedConfig, 'config' | 'paths' | 'file'>,
  log: Logger,
  mssql: MssqlSourceOptions = {},
): Source {
  const s = loaded.config.source;
  switch (s.kind) {
    case 'duckdb':
      return new DuckDbSource(s, loaded.paths.demoSource);
    case 'files':
      if (!s.files) throw new SourceError('files', 'source.files is required when source.kind is files');
      return new FilesSource(s, s.files, dirname(loaded.file));
    case 'mssql':
      return new MssqlSource(s, { log, ...mssql });
  }
}
