import type { Command } from 'commander';
import { InputError } from '@cvc/core';
import { exportBundle, openRegistry, registrySettings, type VersionRoutes } from '@cvc/mlops';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { nonNegativeInt, positiveInt } from './options.js';

/** `lgbm 120, nbeats 28 (fallback lgbm)`: stores per model kind. */
function routesText(r: VersionRoutes | null): string {
  if (!r) return 'n/a';
  const kinds = Object.entries(r.stores)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `${kinds || 'no store routed'} (fallback ${r.fallback})`;
}

const ref = (v: string): number | string => (/^\d+$/.test(v) ? Number(v) : v);

export function registerModels(program: Command, globals: () => GlobalOptions): void {
  const models = program
    .command('models')
    .description('the model registry: bundle versions and their aliases (champion, challenger)');
  const open = (command: string, reads = false) => {
    const ctx = createContext(command, globals(), { reads });
    return { ctx, registry: openRegistry(registrySettings(ctx.loaded), { log: ctx.log }) };
  };
  models
    .command('list')
    .description('registered versions, newest first')
    .action(async () => {
      const { ctx, registry } = open('models list', true);
      const list = (await registry.list()).sort((a, b) => b.version - a.version);
      ctx.done({ registry: registry.name, backend: registry.backend, versions: list }, [
        `${registry.name} (${registry.backend}), newest first`,
        ...(list.length === 0
          ? ['  no versions yet: run `cvc train` first']
          : [
              'version  created                    backtest WAPE  aliases              routes stores to',
              ...list.map(
                (v) =>
                  `${String(v.version).padStart(7)}  ${v.createdAt.padEnd(25)}  ` +
                  `${fmt.pct(v.wape ?? Number.NaN).padStart(13)}  ` +
                  `${v.aliases.join(', ').padEnd(19)}  ${routesText(v.routes)}`,
              ),
            ]),
      ]);
    });
  models
    .command('show <versionOrAlias>')
    .description('one version: bundle id, source, backtest WAPE, aliases')
    .action(async (v: string) => {
      const { ctx, registry } = open('models show', true);
      const info = await registry.show(ref(v));
      ctx.done({ version: info }, [
        `${info.name} version ${info.version}${info.aliases.length ? ` (${info.aliases.join(', ')})` : ''}`,
        `  bundle ${info.bundleId}, created ${info.createdAt}, backtest WAPE ${fmt.pct(info.wape ?? Number.NaN)}`,
        `  routes: ${routesText(info.routes)}`,
        `  source: ${info.source}`,
        ...(info.runId ? [`  run: ${info.runId}`] : []),
      ]);
    });
  models
    .command('promote <version>')
    .description('point an alias (default champion) at a version')
    .option('--alias <name>', 'alias to move', 'champion')
    .action(async (v: string, o: { alias: string }) => {
      const { ctx, registry } = open('models promote');
      const version = positiveInt('<version>')(v);
      await registry.promote(version, o.alias);
      ctx.done({ alias: o.alias, version }, [`${registry.name}: ${o.alias} -> version ${version}`]);
    });
  models
    .command('rollback')
    .description('move an alias (default champion) back to the version it pointed to before')
    .option('--alias <name>', 'alias to move back', 'champion')
    .action(async (o: { alias: string }) => {
      const { ctx, registry } = open('models rollback');
      const r = await registry.rollback(o.alias);
      ctx.done({ alias: o.alias, ...r }, [`${registry.name}: ${o.alias} moved back from version ${r.from} to ${r.to}`]);
    });
  models
    .command('gc')
    .description('remove bundle uploads no version claims (crashed registrations) and compact the alias log (Azure)')
    .option('--grace-hours <n>', 'leave uploads written to in the last n hours', nonNegativeInt('--grace-hours'), 24)
    .action(async (o: { graceHours: number }) => {
      const { ctx, registry } = open('models gc');
      if (!registry.collectGarbage)
        throw new InputError(
          `models gc: works on a registry on Azure storage (registry.root an Azure URL); ` +
            `this one is ${registry.backend}`,
        );
      const r = await registry.collectGarbage({ graceMs: o.graceHours * 3_600_000 });
      ctx.done({ registry: registry.name, graceHours: o.graceHours, ...r }, [
        `${registry.name}: removed ${r.collected.length} unclaimed bundle upload(s); left ${r.young.length} ` +
          `written to in the last ${o.graceHours} h or being claimed; ` +
          `compacted ${r.statesCompacted} alias state file(s)`,
      ]);
    });
  models
    .command('export <versionOrAlias> <file>')
    .description('write a version as a single .tar.gz bundle file (for `cvc infer --bundle <file>` elsewhere)')
    .action(async (v: string, file: string) => {
      const { ctx, registry } = open('models export');
      const r = await registry.resolve(ref(v));
      const manifest = await exportBundle(r.bundleDir, file);
      ctx.done({ version: r.version, file, bundleId: manifest.bundleId }, [
        `exported version ${r.version} (bundle ${manifest.bundleId}) to ${file}`,
      ]);
    });
}
