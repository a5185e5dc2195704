// The cvc version stamped into bundles: the version of this package, read once from its package.json
// (the same relative location from src/ and from dist/).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

let cached: string | undefined;

export function cvcVersion(): string {
  if (cached === undefined) {
    try {
      const raw: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      cached = z.object({ version: z.string() }).loose().parse(raw).version;
    } catch {
      cached = '0.0.0-unknown';
    }
  }
  return cached;
}
