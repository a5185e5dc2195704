// cvc's config schema with its `models` section derived from the registry: each `models.<kind>` is
// checked against that kind's params schema (a typo is a ConfigError naming models.<kind>.<key>, exit
// 2) and `backtest.models` names only known kinds. Every command loads its config through here.
import { configSchema, loadConfig, parseConfig, type CvcConfig, type LoadedConfig } from '@cvc/core';
import { z } from 'zod';
import { trainingKeys, type ModelEntry } from './entry.js';
import { isModelKind, MODEL_ENTRIES, MODEL_KINDS } from './registry.js';

/**
 * One kind's section: checked against the entry's schema, but passed on as written (no defaults
 * filled, keys in the file's order), so models, tracking and bundles see exactly what the user set.
 */
function sectionSchema(entry: ModelEntry) {
  const strict = entry.params.extend(trainingKeys).strict();
  return z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      const checked = strict.safeParse(value);
      if (checked.success) return;
      for (const issue of checked.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    })
    .default(entry.configDefaults);
}

const modelsSection = z
  .object(Object.fromEntries(MODEL_ENTRIES.map((e) => [e.kind, sectionSchema(e)])))
  .strict()
  .prefault({});

export const cvcConfigSchema: z.ZodType<CvcConfig, unknown> = configSchema
  .extend({ models: modelsSection })
  .superRefine((c, ctx) => {
    c.backtest.models.forEach((m, i) => {
      if (!isModelKind(m)) {
        const message = `a model kind (${MODEL_KINDS.join(', ')})`;
        ctx.addIssue({ code: 'custom', path: ['backtest', 'models', i], message });
      }
    });
  }) as unknown as z.ZodType<CvcConfig, unknown>;

/** core's loadConfig with every model section checked. */
export function loadCvcConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadConfig(file, env, cvcConfigSchema);
}

/** core's parseConfig with every model section checked. */
export function parseCvcConfig(raw: unknown, file = '<config>', env: NodeJS.ProcessEnv = process.env): CvcConfig {
  return parseConfig(raw, file, env, cvcConfigSchema);
}
