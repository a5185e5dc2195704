// The registry's small mutable state, registry.json: aliases, the previous holders of each alias
// (what rollback returns to) and an event log. Written atomically (temp file + rename), always under
// the registry lock.
import { randomUUID } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MlopsInputError } from '../../errors.js';

export const STATE_FILE = 'registry.json';
export const LOCK_FILE = '.registry.lock';

export const registryStateSchema = z
  .object({
    formatVersion: z.literal(1),
    aliases: z.record(z.string(), z.number().int().positive()),
    /** alias -> earlier versions it pointed to, oldest first; rollback pops the last. */
    previous: z.record(z.string(), z.array(z.number().int().positive())),
    events: z.array(
      z
        .object({
          at: z.string(),
          action: z.enum(['register', 'set-alias', 'rollback']),
          version: z.number().int().positive(),
          alias: z.string().optional(),
          from: z.number().int().positive().nullable().optional(),
          reason: z.string().optional(),
        })
        .strict(),
    ),
    /**
     * Registry on an object store only: ids of the last state commits, newest last. A writer whose commit
     * file was taken again after a compaction removed it tells a real commit from a stale one by them.
     */
    commits: z.array(z.string()).optional(),
  })
  .strict();

export type RegistryState = z.infer<typeof registryStateSchema>;

export const emptyState = (): RegistryState => ({ formatVersion: 1, aliases: {}, previous: {}, events: [] });

export async function readState(modelDir: string): Promise<RegistryState> {
  const file = join(modelDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MlopsInputError(`${file}: not valid JSON`);
  }
  const parsed = registryStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlopsInputError(`${file}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export async function writeState(modelDir: string, state: RegistryState): Promise<void> {
  const file = join(modelDir, STATE_FILE);
  const tmp = `${file}.tmp-${randomUUID()}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(registryStateSchema.parse(state), null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
