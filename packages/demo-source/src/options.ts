// Options of the demo source, validated once here so the CLI, tests and bench all get the same
// defaults and the same error messages.
import { InputError, parseIsoDay } from '@cvc/core';
import { z } from 'zod';

const isoDate = z.string().refine(
  (s) => {
    try {
      parseIsoDay(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a real calendar date as YYYY-MM-DD' },
);

export const DemoOptionsSchema = z
  .object({
    /** Number of stores in the master (some open later or close during the period). */
    stores: z.number().int().min(1).max(50_000).default(150),
    /** First day of sales history. */
    from: isoDate.default('2019-01-01'),
    /** Last day with sales; promotions and state holidays extend past it as known-future data. */
    asOf: isoDate.default('2025-12-31'),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(42),
    /** Deliberately invalid rows for the ingest quality gate (see bad-rows.ts). */
    badRows: z.number().int().min(0).max(10_000).default(5),
  })
  .superRefine((o, ctx) => {
    if (o.asOf < o.from)
      ctx.addIssue({
        code: 'custom',
        path: ['asOf'],
        message: `as-of date ${o.asOf} is before the start date ${o.from}`,
      });
  });

export const WriteDemoOptionsSchema = z
  .object({ path: z.string().min(1, 'path of the DuckDB file is required') })
  .and(DemoOptionsSchema);

export type DemoOptionsInput = z.input<typeof DemoOptionsSchema>;
export type DemoOptions = z.output<typeof DemoOptionsSchema>;
export type WriteDemoOptionsInput = z.input<typeof WriteDemoOptionsSchema>;

/** Invalid demo options; `field` is the option (and CLI flag, kebab-cased) to fix. */
export class DemoOptionsError extends InputError {
  override readonly name = 'DemoOptionsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`demo source option ${field}: ${message}`);
  }
}

export function parseWithSchema<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new DemoOptionsError(issue.path.join('.') || '(options)', issue.message);
}

export function parseDemoOptions(input: DemoOptionsInput = {}): DemoOptions {
  return parseWithSchema(DemoOptionsSchema, input);
}
