// Parses one commit file (newline-delimited JSON actions). A line that does not parse is a corrupt
// or truncated entry: we stop with an error naming the version rather than guess what it held.

import { DeltaError } from '../errors.js';
import type { Action } from './actions.js';

export function parseCommit(table: string, version: number, text: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new DeltaError(
        'CORRUPT_LOG',
        table,
        version,
        `commit file line ${i + 1} is not valid JSON (truncated or corrupt log entry)`,
        { cause: e },
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DeltaError('CORRUPT_LOG', table, version, `commit file line ${i + 1} is not an action object`);
    }
    checkAction(table, version, i + 1, parsed as Record<string, unknown>);
    actions.push(parsed as Action);
  }
  if (actions.length === 0) throw new DeltaError('CORRUPT_LOG', table, version, 'commit file is empty');
  return actions;
}

function checkAction(table: string, version: number, line: number, a: Record<string, unknown>): void {
  const bad = (what: string): never => {
    throw new DeltaError('CORRUPT_LOG', table, version, `commit file line ${line}: ${what}`);
  };
  const add = a['add'] as Record<string, unknown> | undefined;
  if (add !== undefined && (typeof add !== 'object' || add === null || typeof add['path'] !== 'string'))
    bad('add without a path');
  const remove = a['remove'] as Record<string, unknown> | undefined;
  if (remove !== undefined && (typeof remove !== 'object' || remove === null || typeof remove['path'] !== 'string'))
    bad('remove without a path');
  const meta = a['metaData'] as Record<string, unknown> | undefined;
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || typeof meta['schemaString'] !== 'string'))
    bad('metaData without a schemaString');
  const protocol = a['protocol'] as Record<string, unknown> | undefined;
  if (
    protocol !== undefined &&
    (typeof protocol !== 'object' || protocol === null || typeof protocol['minReaderVersion'] !== 'number')
  ) {
    bad('protocol without minReaderVersion');
  }
}

export function serialiseCommit(actions: readonly Action[]): string {
  return actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
}
