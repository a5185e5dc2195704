// The MLflow Model Registry backend: a registered model named registry.name, one model version per
// bundle whose source is the bundle artifact of the training run, aliases (champion, challenger).
// MLflow keeps no alias history, so the versions each alias pointed to before are kept in a
// registered-model tag (cvc.previous.<alias>) for rollback. Resolving downloads the bundle into a
// local cache and verifies it like any other bundle.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MlflowError, MlopsInputError, NO_VERSION_HINT, UnknownAliasError } from '../../errors.js';
import { verifyBundle } from '../../bundle/read.js';
import { routeCounts } from '../../bundle/routing.js';
import { isMlflowCode, type MlflowClient } from '../../tracking/mlflow/client.js';
import {
  databricksFilesStore,
  downloadArtifacts,
  joinArtifact,
  listArtifacts,
  uploadArtifacts,
} from '../../tracking/mlflow/artifacts.js';
import { listFiles } from '../../bundle/files.js';
import { MLMODEL_FILE } from '../../bundle/pyfunc.js';
import {
  emptyResponse,
  modelVersionResponse,
  modelVersionSchema,
  registeredModelResponse,
  runResponse,
  searchModelVersionsResponse,
} from '../../tracking/mlflow/schemas.js';
import { decidePromotion, isValidAlias } from '../promotion.js';
import type {
  ModelRegistry,
  ModelVersionInfo,
  RegisterOptions,
  RegisterResult,
  ResolvedVersion,
  VersionRoutes,
} from '../registry.js';

export interface MlflowRegistryOptions {
  client: MlflowClient;
  name: string;
  /** Where resolved bundles are downloaded (<cacheDir>/<name>/<version>/). */
  cacheDir: string;
  /** Run artifact path holding the bundle (default "bundle"). */
  artifactPath?: string;
  /**
   * Unity Catalog (registry.kind unity-catalog): the /mlflow/unity-catalog/ endpoints MLflow's databricks-uc
   * registry calls, the bundle copied to /Models/<catalog>/<schema>/<model>/<version>/ through the
   * Files API, then model-versions/finalize; a signature in MLmodel is required.
   */
  unityCatalog?: boolean;
}

const TAG_BUNDLE = 'cvc.bundle_id';
const TAG_WAPE = 'cvc.wape';
/** JSON of routeCounts(manifest.routing): what `cvc models list` shows without downloading the bundle. */
const TAG_ROUTES = 'cvc.routes';
const previousTag = (alias: string) => `cvc.previous.${alias}`;
const previousSchema = z.array(z.number().int().positive());

type MV = z.infer<typeof modelVersionSchema>;

const routesSchema = z.object({ stores: z.record(z.string(), z.number()), fallback: z.string() });

function parseRoutes(text: string | undefined): VersionRoutes | null {
  if (!text) return null;
  try {
    const r = routesSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function toInfo(mv: MV, aliases: string[]): ModelVersionInfo {
  const tag = (k: string) => mv.tags?.find((t) => t.key === k)?.value;
  const wape = tag(TAG_WAPE);
  return {
    routes: parseRoutes(tag(TAG_ROUTES)),
    name: mv.name,
    version: Number(mv.version),
    createdAt: mv.creation_timestamp !== undefined ? new Date(Number(mv.creation_timestamp)).toISOString() : '',
    bundleId: tag(TAG_BUNDLE) ?? '',
    wape: wape === undefined || wape === '' || wape === 'null' ? null : Number(wape),
    runId: mv.run_id || null,
    aliases: [...aliases].sort(),
    source: mv.source ?? '',
    description: mv.description || null,
  };
}

/** Unity Catalog refuses a model without a signature with inputs and outputs (MLflow checks before creating). */
async function requireSignature(bundleDir: string, where: string): Promise<void> {
  const file = join(resolve(bundleDir), MLMODEL_FILE);
  const text = await readFile(file, 'utf8').catch(() => '');
  if (!/^signature:\n {2}inputs: .+\n {2}outputs: .+$/m.test(text)) {
    throw new MlopsInputError(
      `${where}: ${file} has no signature with inputs and outputs; Unity Catalog requires one (bundles written ` +
        'by this cvc have it)',
    );
  }
}

export function mlflowRegistry(o: MlflowRegistryOptions): ModelRegistry {
  const { client, name } = o;
  const artifactPath = o.artifactPath ?? 'bundle';
  const uc = o.unityCatalog === true;
  const where = `${uc ? 'Unity Catalog' : 'MLflow'} registered model "${name}"`;
  const ep = (endpoint: string) => (uc ? `unity-catalog/${endpoint}` : endpoint);
  // Where a UC model version's files live (what MLflow's Databricks SDK models artifact repository uses).
  const ucFiles = (version: number) =>
    databricksFilesStore(client, joinArtifact('Models', ...name.split('.'), String(version)));

  async function ensureModel(): Promise<void> {
    try {
      await client.call('POST', ep('registered-models/create'), { name }, emptyResponse);
    } catch (err) {
      if (!isMlflowCode(err, 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
  }

  async function getModel() {
    return (await client.call('GET', ep('registered-models/get'), { name }, registeredModelResponse)).registered_model;
  }

  async function aliasesByVersion(): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (const a of (await getModel()).aliases ?? []) {
      const v = Number(a.version);
      out.set(v, [...(out.get(v) ?? []), a.alias]);
    }
    return out;
  }

  async function getVersion(version: number): Promise<MV> {
    try {
      return (
        await client.call('GET', ep('model-versions/get'), { name, version: String(version) }, modelVersionResponse)
      ).model_version;
    } catch (err) {
      if (isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST'))
        throw new UnknownAliasError(
          where,
          String(version),
          `${where}: version ${version} does not exist; see \`cvc models list\``,
        );
      throw err;
    }
  }

  async function aliasVersion(alias: string): Promise<number | undefined> {
    try {
      const mv = (await client.call('GET', ep('registered-models/alias'), { name, alias }, modelVersionResponse))
        .model_version;
      return Number(mv.version);
    } catch (err) {
      if (isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST') || isMlflowCode(err, 'INVALID_PARAMETER_VALUE'))
        return undefined;
      throw err;
    }
  }

  async function versionOf(ref: number | string): Promise<number> {
    const text = String(ref).trim();
    if (/^\d+$/.test(text)) return Number(text);
    if (text === 'latest') {
      const all = await list();
      if (all.length === 0)
        throw new UnknownAliasError(where, text, `${where}: no versions registered yet; ${NO_VERSION_HINT}`);
      return all.at(-1)!.version;
    }
    const v = await aliasVersion(text);
    if (v === undefined) {
      const hint = (await list()).length
        ? 'see `cvc models list`, and `cvc models promote <version>` to set it'
        : NO_VERSION_HINT;
      throw new UnknownAliasError(where, text, `${where}: unknown alias "${text}"; ${hint}`);
    }
    return v;
  }

  async function readPrevious(alias: string): Promise<number[]> {
    const tag = (await getModel()).tags?.find((t) => t.key === previousTag(alias))?.value;
    if (!tag) return [];
    const parsed = previousSchema.safeParse(JSON.parse(tag));
    return parsed.success ? parsed.data : [];
  }

  async function writePrevious(alias: string, list: number[]): Promise<void> {
    // Tag values are limited in size; the last 200 holders are plenty to roll back through.
    await client.call(
      'POST',
      ep('registered-models/set-tag'),
      { name, key: previousTag(alias), value: JSON.stringify(list.slice(-200)) },
      emptyResponse,
    );
  }

  async function pointAlias(alias: string, version: number): Promise<void> {
    await client.call('POST', ep('registered-models/alias'), { name, alias, version: String(version) }, emptyResponse);
  }

  async function setAlias(alias: string, version: number): Promise<void> {
    if (!isValidAlias(alias))
      throw new MlopsInputError(`alias "${alias}": letters, digits, _ and -, starting with a letter`);
    await getVersion(version);
    const from = await aliasVersion(alias);
    if (from === version) return;
    if (from !== undefined) await writePrevious(alias, [...(await readPrevious(alias)), from]);
    await pointAlias(alias, version);
  }

  async function list(): Promise<ModelVersionInfo[]> {
    const aliases = await aliasesByVersion().catch((err: unknown) => {
      if (isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST')) return new Map<number, string[]>();
      throw err;
    });
    const out: MV[] = [];
    let pageToken: string | undefined;
    do {
      const res = await client.call(
        'GET',
        ep('model-versions/search'),
        { filter: `name='${name.replaceAll("'", "\\'")}'`, max_results: 200, page_token: pageToken },
        searchModelVersionsResponse,
      );
      out.push(...(res.model_versions ?? []));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out.map((mv) => toInfo(mv, aliases.get(Number(mv.version)) ?? [])).sort((a, b) => a.version - b.version);
  }

  async function show(ref: number | string): Promise<ModelVersionInfo> {
    const v = await versionOf(ref);
    const mv = await getVersion(v);
    return toInfo(mv, (await aliasesByVersion()).get(v) ?? []);
  }

  async function register(bundleDir: string, opts: RegisterOptions = {}): Promise<RegisterResult> {
    const manifest = await verifyBundle(bundleDir);
    if (uc) await requireSignature(bundleDir, where);
    const runId = opts.runId ?? manifest.lineage.trackingRunId;
    if (!runId)
      throw new MlopsInputError(
        `${where}: registering needs the run id of the training run (the bundle is its artifact)`,
      );
    const alias = opts.alias ?? 'champion';
    const run = (await client.call('GET', 'runs/get', { run_id: runId }, runResponse)).run.info;
    const artifactUri = run.artifact_uri;
    if (!artifactUri) throw new MlflowError('runs/get', undefined, undefined, `run ${runId} has no artifact_uri`);
    // The training run normally logged the bundle already; upload it if it did not.
    if ((await listArtifacts(client, artifactUri, artifactPath)).length === 0)
      await uploadArtifacts(client, artifactUri, resolve(bundleDir), artifactPath);
    await ensureModel();
    const created = (
      await client.call(
        'POST',
        ep('model-versions/create'),
        {
          name,
          source: `${artifactUri.replace(/\/+$/, '')}/${artifactPath}`,
          run_id: runId,
          description: opts.description,
          tags: [
            { key: TAG_BUNDLE, value: manifest.bundleId },
            { key: TAG_WAPE, value: manifest.backtest.wape === null ? 'null' : String(manifest.backtest.wape) },
            { key: TAG_ROUTES, value: JSON.stringify(routeCounts(manifest.routing)) },
          ],
        },
        modelVersionResponse,
      )
    ).model_version;
    const version = Number(created.version);
    if (uc) {
      // UC keeps its own copy of the model files: upload them to the version's location, then finalize.
      const store = ucFiles(version);
      const root = resolve(bundleDir);
      for (const rel of await listFiles(root)) await store.put(rel, await readFile(join(root, ...rel.split('/'))));
      await client.call(
        'POST',
        ep('model-versions/finalize'),
        { name, version: String(version) },
        modelVersionResponse,
      );
    }
    // Registries that copy artifacts asynchronously (Databricks) report PENDING_REGISTRATION first.
    for (let i = 0; i < 120 && created.status && created.status !== 'READY'; i++) {
      const mv = await getVersion(version);
      if (mv.status === 'READY' || !mv.status) break;
      if (mv.status === 'FAILED_REGISTRATION')
        throw new MlflowError(
          ep('model-versions/get'),
          undefined,
          mv.status,
          `${where} version ${version} failed registration`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
    const championVersion = await aliasVersion(alias);
    const champion = championVersion === undefined ? undefined : toInfo(await getVersion(championVersion), []);
    const decision = decidePromotion(
      opts.promote ?? 'manual',
      manifest.backtest.wape,
      champion && { version: champion.version, wape: champion.wape },
    );
    if (decision.promote) await setAlias(alias, version);
    return { version, promoted: decision.promote, reason: decision.reason, info: await show(version) };
  }

  async function rollback(alias = 'champion'): Promise<{ from: number; to: number }> {
    const from = await aliasVersion(alias);
    if (from === undefined)
      throw new UnknownAliasError(where, alias, `${where}: unknown alias "${alias}": nothing to roll back`);
    const previous = await readPrevious(alias);
    const to = previous.pop();
    if (to === undefined)
      throw new UnknownAliasError(where, alias, `${where}: alias "${alias}" has no previous version to roll back to`);
    await pointAlias(alias, to);
    await writePrevious(alias, previous);
    return { from, to };
  }

  async function resolveRef(ref: number | string): Promise<ResolvedVersion> {
    const info = await show(ref);
    const dir = join(resolve(o.cacheDir), name, String(info.version));
    try {
      await verifyBundle(dir);
    } catch {
      // Not cached yet (or a partial download): fetch again from the version's source.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      if (uc) {
        const store = ucFiles(info.version);
        for (const rel of await store.list('')) {
          await mkdir(join(dir, ...rel.split('/'), '..'), { recursive: true });
          await writeFile(join(dir, ...rel.split('/')), await store.get(rel));
        }
      } else {
        await downloadArtifacts(client, info.source, '', dir);
      }
      await verifyBundle(dir);
    }
    return { version: info.version, bundleDir: dir, info };
  }

  return {
    backend: uc ? 'unity-catalog' : 'mlflow',
    name,
    register,
    list,
    show,
    setAlias,
    promote: (version, alias = 'champion') => setAlias(alias, version),
    rollback,
    resolve: resolveRef,
  };
}
