// Flag parsers shared by commands: each names the flag in its error, which exits 2.
import { InputError, isCalendarDay, MAX_SHARDS, type Shard } from '@cvc/core';
import { InvalidArgumentError } from 'commander';

export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} expects a positive integer, got "${v}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${flag} expects a non-negative integer, got "${v}"`);
    return n;
  };
}

export function isoDate(flag: string) {
  return (v: string): string => {
    // Date.parse rolls 2021-02-30 over to March 2nd; only a day that exists is a date.
    if (!isCalendarDay(v)) {
      throw new InvalidArgumentError(`${flag} expects a real calendar day as YYYY-MM-DD, got "${v}"`);
    }
    return v;
  };
}

export function modelList(v: string): string[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new InvalidArgumentError('--models expects a comma-separated list, e.g. tft,nbeats,lgbm');
  return names;
}

/** A year (2021: its first or last day) or an ISO date, for --from / --to of training windows. */
export function yearOrDate(flag: string, end: 'start' | 'end') {
  return (v: string): string => {
    if (/^\d{4}$/.test(v)) return end === 'start' ? `${v}-01-01` : `${v}-12-31`;
    return isoDate(flag)(v);
  };
}

export function requireInput(ok: boolean, message: string): void {
  if (!ok) throw new InputError(message);
}

/** --fail-on: `alert` turns fired alerts into exit 4. */
export function failOn(v: string): 'alert' | 'never' {
  if (v !== 'alert' && v !== 'never') throw new InvalidArgumentError(`--fail-on expects alert or never, got "${v}"`);
  return v;
}

/** --shard: `i/n` (0-based i < n <= MAX_SHARDS, as Kubernetes' JOB_COMPLETION_INDEX) or `merge`. */
export function shardFlag(v: string): Shard | 'merge' {
  if (v === 'merge') return 'merge';
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new InvalidArgumentError(`--shard expects i/n with 0 <= i < n <= ${MAX_SHARDS}, or merge; got "${v}"`);
  }
  return { index, count };
}
