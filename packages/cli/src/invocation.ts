// How the person at the keyboard runs cvc, so a suggested next command works where they are: the
// npm or pnpm script they used, a `cvc` on PATH, or else node and the path to bin.js.
import { accessSync, constants } from 'node:fs';
import { basename, delimiter, join, relative } from 'node:path';

/** The --config default of every command. */
export const DEFAULT_CONFIG = 'configs/cvc.yaml';

/** Whether an executable `name` is on PATH. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The command prefix to suggest: `npm run cvc --`, `pnpm cvc` (only with pnpm on PATH), `cvc`, or `node <bin>`. */
export function cvcCommand(
  env: NodeJS.ProcessEnv = process.env,
  argv1: string = process.argv[1] ?? '',
  cwd: string = process.cwd(),
): string {
  if (env['npm_lifecycle_event'] === 'cvc') {
    const viaPnpm = /pnpm/.test(env['npm_execpath'] ?? '') || /pnpm/.test(env['npm_config_user_agent'] ?? '');
    return viaPnpm && onPath('pnpm', env) ? 'pnpm cvc' : 'npm run cvc --';
  }
  if (basename(argv1) === 'cvc' && onPath('cvc', env)) return 'cvc';
  const rel = argv1 ? relative(cwd, argv1) : 'packages/cli/dist/bin.js';
  return `node ${rel.startsWith('..') || !rel ? argv1 : rel}`;
}
