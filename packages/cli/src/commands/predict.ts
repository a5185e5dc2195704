// `cvc predict`: forecasts for given (store_id, as_of_date, horizon) rows, printed as JSON on stdout
// instead of written to the forecast table. The MLflow pyfunc loader shipped in every bundle runs it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '@cvc/core';
import { readManifest } from '@cvc/mlops';
import { parsePredictRequests, predictRows, resolveBundle, type BundleRef } from '@cvc/infer';
import { createContext, type GlobalOptions } from '../context.js';
import { positiveInt } from './options.js';

function readRequests(input: string): unknown {
  let text: string;
  try {
    text = readFileSync(input === '-' ? 0 : input, 'utf8');
  } catch (err) {
    throw new InputError(`--input ${input}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`--input ${input}: not JSON (${(err as Error).message})`);
  }
}

export function registerPredict(program: Command, globals: () => GlobalOptions): void {
  program
    .command('predict')
    .description(
      'forecast the given [{store_id, as_of_date, horizon?}] rows from the feature table and print ' +
        "{rows, skipped} as JSON (the rows have bip_vprevisao_lojas_futuro's columns); writes no table",
    )
    .requiredOption('--input <file>', 'JSON array of request rows, or - for stdin')
    .option('--alias <name>', 'registry alias of the bundle (default: config infer.alias)')
    .option('--version <n>', 'registry version of the bundle', positiveInt('--version'))
    .option('--bundle <path>', 'a bundle directory or exported .tar.gz instead of the registry')
    .option(
      '--bundle-version <label>',
      'what the rows record as bundle_version (default: the registry version, or the bundle id)',
    )
    .addHelpText('after', '\nExit codes: 0 forecasts printed; 1 the job failed; 2 bad usage, config, input or bundle.')
    .action(async (o: { input: string; alias?: string; version?: number; bundle?: string; bundleVersion?: string }) => {
      const ctx = createContext('predict', globals(), { reads: true });
      const requests = parsePredictRequests(readRequests(o.input), `--input ${o.input}`);
      const ref: BundleRef | undefined = o.bundle
        ? { path: o.bundle }
        : o.version
          ? { version: o.version }
          : o.alias
            ? { alias: o.alias }
            : undefined;
      const resolved = await resolveBundle(ctx.loaded, ref, ctx.log);
      const { bundleDir } = resolved;
      const bundleVersion =
        o.bundleVersion ?? (o.bundle ? (await readManifest(bundleDir)).bundleId : resolved.bundleVersion);
      const r = await predictRows({
        loaded: ctx.loaded,
        bundleDir,
        bundleVersion,
        requests,
        runId: ctx.runId,
        log: ctx.log,
      });
      // Always JSON: the caller is a program (the pyfunc loader), and stdout carries nothing else.
      process.stdout.write(`${JSON.stringify({ command: 'predict', runId: ctx.runId, ...r })}\n`);
    });
}
