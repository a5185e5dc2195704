// A model's params schema from its defaults object: every key optional and of its default's type,
// so the defaults stay the one list of a model's hyperparameters. `choices` narrows text keys.
import { z } from 'zod';

export function paramsSchemaFrom(
  defaults: object,
  choices: Record<string, readonly [string, ...string[]]> = {},
): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const pick = choices[key];
    const type = pick
      ? z.enum(pick)
      : typeof value === 'boolean'
        ? z.boolean()
        : typeof value === 'number'
          ? z.number()
          : z.string();
    shape[key] = type.optional();
  }
  return z.object(shape).strict();
}
