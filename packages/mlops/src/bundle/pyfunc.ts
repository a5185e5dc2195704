// Every bundle is also an MLflow model: an MLmodel file (python_function flavor + a cvc flavor), its
// signature and input example, the Python environment, and a small loader module (code/cvc_pyfunc.py)
// that runs the bundle's own forecaster through `cvc predict`. The files are written before the
// manifest, so the manifest's sha256 list (and manifest.sig) covers them like any model file.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Version of the cvc flavor's layout in MLmodel (bumped when the loader contract changes). */
export const MLMODEL_CVC_FLAVOR_VERSION = 1;
export const MLMODEL_FILE = 'MLmodel';
/** Files MLflow adds to a model directory it downloads or imports; not bundle content, not verified. */
export const MLFLOW_SIDE_FILES: readonly string[] = ['registered_model_meta', 'code/__pycache__'];
/** Node the bundle's code needs (the workspace's engines.node). */
export const NODE_REQUIREMENT = '>=20.17';
/** Lowest Python the loader is written for; MLflow 3 needs 3.10. */
const PYTHON_VERSION = '3.10';
const PY_REQUIREMENTS = ['mlflow>=2.12', 'pandas>=1.5'];

/** Columns of bip_vprevisao_lojas_futuro, as MLflow column types. */
export const SIGNATURE_OUTPUTS = [
  { type: 'string', name: 'store_id', required: true },
  { type: 'datetime', name: 'forecast_date', required: true },
  { type: 'integer', name: 'horizon_day', required: true },
  { type: 'datetime', name: 'as_of_date', required: true },
  { type: 'double', name: 'yhat', required: true },
  { type: 'double', name: 'yhat_lower', required: true },
  { type: 'double', name: 'yhat_upper', required: true },
  { type: 'string', name: 'model', required: true },
  { type: 'string', name: 'bundle_version', required: true },
  { type: 'string', name: 'run_id', required: true },
  { type: 'datetime', name: 'created_at', required: true },
] as const;

export const SIGNATURE_INPUTS = [
  { type: 'string', name: 'store_id', required: true },
  { type: 'datetime', name: 'as_of_date', required: true },
  { type: 'long', name: 'horizon', required: false },
] as const;

export interface MlflowModelInput {
  bundleId: string;
  createdAt: Date;
  cvcVersion: string;
  bundleFormatVersion: number;
  horizon: number;
  /** A store the bundle knows and the last training day: the input example. */
  exampleStore: string;
  exampleAsOf: string;
}

let loaderSource: string | undefined;
/** The loader module, read from packages/mlops/python (the same relative place from src/ and dist/). */
function pyfuncLoader(): string {
  loaderSource ??= readFileSync(new URL('../../python/cvc_pyfunc.py', import.meta.url), 'utf8');
  return loaderSource;
}

/** A YAML double-quoted scalar: JSON's string syntax is a subset of it. */
const q = (v: string): string => JSON.stringify(v);

export function mlmodelText(m: MlflowModelInput): string {
  const utc = m.createdAt.toISOString().replace('T', ' ').replace('Z', '');
  return [
    'artifact_path: bundle',
    'flavors:',
    '  python_function:',
    '    loader_module: cvc_pyfunc',
    '    code: code',
    // Keys load_model(model_config=...) may override; empty means CVC_BIN / CVC_CONFIG from the environment.
    '    config:',
    '      cvc_bin: ""',
    '      cvc_config: ""',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    `    python_version: ${q(PYTHON_VERSION)}`,
    '  cvc:',
    `    format_version: ${MLMODEL_CVC_FLAVOR_VERSION}`,
    `    bundle_format_version: ${m.bundleFormatVersion}`,
    `    cvc_version: ${q(m.cvcVersion)}`,
    `    node_version: ${q(NODE_REQUIREMENT)}`,
    `    written_with_node: ${q(process.versions.node)}`,
    `    bundle_id: ${q(m.bundleId)}`,
    `    horizon: ${m.horizon}`,
    '    predict: cvc --config <cvc.yaml> predict --bundle <model dir> --input <rows.json>',
    `model_uuid: ${q(m.bundleId.replace(/-/g, ''))}`,
    'saved_input_example_info:',
    '  artifact_path: input_example.json',
    '  pandas_orient: split',
    '  serving_input_path: serving_input_example.json',
    '  type: dataframe',
    'signature:',
    `  inputs: ${q(JSON.stringify(SIGNATURE_INPUTS))}`,
    `  outputs: ${q(JSON.stringify(SIGNATURE_OUTPUTS))}`,
    '  params: null',
    `utc_time_created: ${q(utc)}`,
    '',
  ].join('\n');
}

/** The MLflow model files, path -> content (paths relative to the bundle root). */
export function mlflowModelFiles(m: MlflowModelInput): Map<string, string> {
  const example = { columns: ['store_id', 'as_of_date'], data: [[m.exampleStore, `${m.exampleAsOf}T00:00:00`]] };
  const pins = PY_REQUIREMENTS.map((r) => `  - ${r}`);
  return new Map([
    [MLMODEL_FILE, mlmodelText(m)],
    ['input_example.json', JSON.stringify(example)],
    ['serving_input_example.json', `${JSON.stringify({ dataframe_split: example }, null, 2)}\n`],
    ['requirements.txt', `${PY_REQUIREMENTS.join('\n')}\n`],
    [
      'python_env.yaml',
      [
        'python: ' + q(PYTHON_VERSION),
        'build_dependencies:',
        '- pip',
        'dependencies:',
        '- -r requirements.txt',
        '',
      ].join('\n'),
    ],
    // Node comes from conda-forge's nodejs: the loader runs the bundle's forecaster with it.
    [
      'conda.yaml',
      [
        'channels:',
        '- conda-forge',
        'dependencies:',
        `- python=${PYTHON_VERSION}`,
        `- nodejs${NODE_REQUIREMENT}`,
        '- pip',
        '- pip:',
        ...pins.map((p) => `  ${p}`),
        'name: cvc-forecaster',
        '',
      ].join('\n'),
    ],
    ['code/cvc_pyfunc.py', pyfuncLoader()],
  ]);
}

export async function writeMlflowModel(dir: string, m: MlflowModelInput): Promise<void> {
  for (const [rel, text] of mlflowModelFiles(m)) {
    const abs = join(dir, ...rel.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
}
