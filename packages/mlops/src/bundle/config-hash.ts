// A stable hash of the config a bundle was trained with: key order does not change it, any value does.
import { createHash } from 'node:crypto';

/** Keys that hold secrets: left out, so the bundle never carries even a hash of them. */
const SECRET_KEY = /password|token|secret|signingkey/i;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      if (!SECRET_KEY.test(k)) out[k] = canonical((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

/** sha256 of the canonical JSON of `config`, secrets left out (they are not part of a model). */
export function configHash(config: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex');
}
