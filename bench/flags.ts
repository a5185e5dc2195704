// A bench script's flags through node:util parseArgs: an unknown flag, or one without its value, stops
// the script with one line naming it and the usage, exit 2, instead of being ignored or a stack trace.
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export function benchFlags<const O extends Options>(options: O, usage: string) {
  try {
    return parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const script = basename(process.argv[1] ?? 'bench');
    process.stderr.write(`${script}: ${err instanceof Error ? err.message : String(err)}\nusage: ${usage}\n`);
    process.exit(2);
  }
}

/** The flags of the benches that score a backtest run against its demo fortnight (interval-skew, interval-split). */
export const fortnightFlags = {
  config: { type: 'string', default: 'configs/cvc.yaml' },
  run: { type: 'string' },
  from: { type: 'string', default: '2025-12-31' },
  to: { type: 'string', default: '2026-01-13' },
} as const;
