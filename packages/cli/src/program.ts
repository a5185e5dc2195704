// The `cvc` command line: parses flags and calls the step packages; it computes nothing itself.
import { Command, CommanderError, Option } from 'commander';
import { reportFailure } from './errors.js';
import { DEFAULT_CONFIG } from './invocation.js';
import type { GlobalOptions } from './context.js';
import { registerIngest } from './commands/ingest.js';
import { registerBacktest } from './commands/backtest.js';
import { registerTrain } from './commands/train.js';
import { registerInfer } from './commands/infer.js';
import { registerDemo } from './commands/demo.js';
import { registerRuns } from './commands/runs.js';
import { registerModels } from './commands/models.js';
import { registerForecast } from './commands/forecast.js';
import { registerLake } from './commands/lake.js';
import { registerMonitor } from './commands/monitor.js';
import { registerDaily } from './commands/daily.js';
import { registerPredict } from './commands/predict.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function buildProgram(): Command {
  const program = new Command('cvc')
    .description('Daily sales forecasts for every store, 35 days ahead: ingest -> backtest -> train -> infer.')
    .addOption(new Option('-c, --config <file>', 'YAML config file').default(DEFAULT_CONFIG))
    .addOption(
      new Option('--log-level <level>', 'log level (debug also prints stack traces)')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .addOption(new Option('--json', 'print a machine-readable summary on stdout (no progress line)').default(false))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const commands = [
    registerIngest,
    registerBacktest,
    registerTrain,
    registerInfer,
    registerDemo,
    registerRuns,
    registerModels,
    registerForecast,
    registerLake,
    registerMonitor,
    registerDaily,
    registerPredict,
  ];
  for (const register of commands) {
    register(program, globals);
  }
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

/** Parses argv and runs the command; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not failures; every other commander error is bad usage.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? 0
        : 2;
    }
    const level = program.opts<GlobalOptions>().logLevel;
    return reportFailure(err, level === 'debug' || level === 'trace');
  }
}
