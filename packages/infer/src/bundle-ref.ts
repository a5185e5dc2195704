// Which bundle infer runs: a registry alias (default config infer.alias), a registry version, or a
// path to a bundle directory or exported .tar.gz. Every route ends in a verified bundle directory.
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processStartTicks, silentLogger, type LoadedConfig, type Logger } from '@cvc/core';
import { importBundle, openRegistry, registrySettings } from '@cvc/mlops';

export type BundleRef = { alias: string } | { version: number } | { path: string };

/** Extracted archives live in $TMPDIR/cvc-bundle-*, with the owning process in owner.json. */
const TMP_PREFIX = 'cvc-bundle-';
const OWNER_FILE = 'owner.json';
/** A leftover without owner.json (written by an older cvc, or killed before it wrote one) this old is dead. */
const ORPHAN_AGE_MS = 3600_000;

function running(pid: number, start: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTicks(pid);
  return start === null || now === null || now === start; // another start time: the pid was reused
}

/** Removes the extracted bundles of runs that died without cleaning up (SIGKILL, power loss). */
export async function sweepBundleTemps(root = tmpdir(), log: Logger = silentLogger): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(TMP_PREFIX))) {
    const dir = join(root, name);
    let dead: boolean;
    try {
      const o = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as { pid: number; start: number | null };
      dead = !running(o.pid, o.start);
    } catch {
      dead = await stat(dir).then(
        (st) => Date.now() - st.mtimeMs > ORPHAN_AGE_MS,
        () => false,
      );
    }
    if (!dead) continue;
    await rm(dir, { recursive: true, force: true }).then(
      () => removed.push(dir),
      () => undefined,
    );
  }
  if (removed.length > 0) log.info({ removed }, 'removed extracted bundles left by earlier runs');
  return removed;
}

/** Extracts an archive into a fresh temp dir that is removed when this process exits. */
async function extractArchive(archive: string, log: Logger): Promise<string> {
  await sweepBundleTemps(tmpdir(), log);
  const parent = await mkdtemp(join(tmpdir(), TMP_PREFIX));
  // Synchronous: 'exit' handlers cannot wait. A kill skips it; the next run's sweep catches that.
  process.once('exit', () => rmSync(parent, { recursive: true, force: true }));
  try {
    const owner = { pid: process.pid, start: processStartTicks(process.pid) };
    await writeFile(join(parent, OWNER_FILE), JSON.stringify(owner));
    const dir = join(parent, 'bundle');
    await importBundle(archive, dir);
    return dir;
  } catch (err) {
    await rm(parent, { recursive: true, force: true });
    throw err;
  }
}

export async function resolveBundle(
  loaded: LoadedConfig,
  ref: BundleRef | undefined,
  log: Logger = silentLogger,
): Promise<{ bundleDir: string; bundleVersion: string }> {
  if (ref && 'path' in ref) {
    const path = resolve(ref.path);
    if (path.endsWith('.tar.gz') || path.endsWith('.tgz')) {
      return { bundleDir: await extractArchive(path, log), bundleVersion: path };
    }
    return { bundleDir: path, bundleVersion: path };
  }
  const registry = openRegistry(registrySettings(loaded), { log });
  const key = ref ? ('alias' in ref ? ref.alias : ref.version) : loaded.config.infer.alias;
  const r = await registry.resolve(key);
  return { bundleDir: r.bundleDir, bundleVersion: String(r.version) };
}
