// LightGBM parameters as plain data, turned into its "key=value key=value" string. LightGBM only
// warns about a name it does not know; we reject it, since a typo silently trains another model.
import { LightGBMError } from './errors.js';
import { addon } from './native.js';

export type ParamValue = string | number | boolean | readonly (string | number)[];
export type Params = Record<string, ParamValue | undefined>;

let known: Set<string> | undefined;

/** Every parameter name and alias LightGBM accepts (from LGBM_DumpParamAliases). */
export function knownParams(): Set<string> {
  if (known) return known;
  const aliases = JSON.parse(addon().dumpParamAliases()) as Record<string, string[]>;
  known = new Set<string>();
  for (const [name, list] of Object.entries(aliases)) {
    known.add(name);
    for (const a of list) known.add(a);
  }
  return known;
}

export function formatParams(params: Params): string {
  const names = knownParams();
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (!names.has(key)) throw new LightGBMError('params', `unknown parameter "${key}"`);
    const text = Array.isArray(value) ? value.join(',') : typeof value === 'boolean' ? String(value) : String(value);
    if (/\s/.test(text)) throw new LightGBMError('params', `value of "${key}" must not contain whitespace`);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}
