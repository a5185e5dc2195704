// Local tracking with tracking.root on Azure (Azurite): the run tables are Delta tables in the
// container and the artifacts are blobs under artifacts/<run_id>/, written and listed through the
// lakehouse Storage layer; nothing lands on local disk under a 'az:' folder.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBlobNames, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import { listRuns, openTracker, showRun } from './imports.js';
import { tempDir } from './fixtures.js';

let azurite: Azurite;
const saved = { conn: process.env['AZURE_STORAGE_CONNECTION_STRING'], cache: process.env['CVC_LAKE_CACHE'] };

describe('local tracking on Azurite', () => {
  beforeAll(async () => {
    azurite = await startAzurite();
    process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
    process.env['CVC_LAKE_CACHE'] = await tempDir('cvc-lake-cache-');
  }, 120_000);
  afterAll(async () => {
    for (const [k, v] of [
      ['AZURE_STORAGE_CONNECTION_STRING', saved.conn],
      ['CVC_LAKE_CACHE', saved.cache],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await azurite.stop();
  });

  it('writes runs to Delta tables and artifacts to blobs, and reads both back', async () => {
    const root = 'az://tracking/cvc/_tracking';
    const tracker = await openTracker({ uri: null, experiment: 'cvc-test', root }, { env: {} });
    const run = await tracker.startRun({ name: 'train' });
    await run.logParams({ model: 'lgbm' });
    await run.logMetrics({ wape: 0.2 });
    const art = join(await tempDir(), 'bundle');
    await mkdir(join(art, 'models', 'lgbm'), { recursive: true });
    await writeFile(join(art, 'manifest.json'), '{}');
    await writeFile(join(art, 'models', 'lgbm', 'model.txt'), 'tree');
    await run.logArtifact(art);
    await run.logArtifact(join(art, 'manifest.json'), 'copies/m.json');
    await run.end('FINISHED');
    await tracker.close();

    expect(run.artifactUri).toBe(`${root}/artifacts/${run.runId}`);
    const blobs = await listBlobNames(azurite.connectionString, 'tracking', 'cvc/_tracking/');
    expect(blobs.filter((b) => b.includes('/artifacts/')).sort()).toEqual(
      ['bundle/manifest.json', 'bundle/models/lgbm/model.txt', 'copies/m.json'].map(
        (f) => `cvc/_tracking/artifacts/${run.runId}/${f}`,
      ),
    );
    expect(blobs).toContain('cvc/_tracking/runs/_delta_log/00000000000000000000.json');
    expect((await listRuns(root)).map((r) => [r.name, r.status, r.metrics])).toEqual([
      ['train', 'FINISHED', { wape: 0.2 }],
    ]);
    const shown = await showRun(root, run.runId);
    expect(shown.params).toEqual({ model: 'lgbm' });
    expect(shown.artifacts).toEqual(['bundle/manifest.json', 'bundle/models/lgbm/model.txt', 'copies/m.json']);
    expect(existsSync('az:')).toBe(false);
  }, 120_000);
});
