// Every bundle is an MLflow model: MLmodel (python_function + cvc flavors), signature, input example,
// environment and the loader module, all listed in the manifest, so tampering and signing cover them.
// MLflow itself parses the result (Model.load); the end-to-end pyfunc check is in
// packages/cli/test/mlflow-pipeline.test.ts.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_FORMAT_VERSION,
  BundleIntegrityError,
  BundleSignatureError,
  cvcVersion,
  verifyBundle,
  writeBundle,
} from './imports.js';
import { bundleInput, tempDir } from './fixtures.js';

async function mlflowView(dir: string): Promise<{
  flavors: Record<string, Record<string, unknown>>;
  inputs: unknown;
  outputs: string[];
  example: unknown;
  dateType: string;
}> {
  const script = `
import json, sys
from mlflow.models import Model
m = Model.load(sys.argv[1])
print(json.dumps({"flavors": m.flavors, "inputs": m.signature.inputs.to_dict(),
  "outputs": m.signature.outputs.input_names(),
  "example": m.load_input_example(sys.argv[1]).astype(str).to_dict('records'),
  "dateType": str(m.load_input_example(sys.argv[1])['as_of_date'].dtype)}))`;
  const { stdout } = await promisify(execFile)('python3', ['-c', script, dir]);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('bundle as an MLflow model', () => {
  it('writes an MLmodel that MLflow reads: both flavors, the signature and the input example', async () => {
    const dir = join(await tempDir(), 'b');
    await writeBundle(dir, bundleInput());
    const m = await mlflowView(dir);
    expect(m.flavors['python_function']).toMatchObject({
      loader_module: 'cvc_pyfunc',
      code: 'code',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    });
    expect(m.flavors['cvc']).toMatchObject({
      format_version: 1,
      bundle_format_version: BUNDLE_FORMAT_VERSION,
      cvc_version: cvcVersion(),
      node_version: '>=20.17',
    });
    expect(m.inputs).toEqual([
      { type: 'string', name: 'store_id', required: true },
      { type: 'datetime', name: 'as_of_date', required: true },
      { type: 'long', name: 'horizon', required: false },
    ]);
    expect(m.outputs).toEqual([
      'store_id',
      'forecast_date',
      'horizon_day',
      'as_of_date',
      'yhat',
      'yhat_lower',
      'yhat_upper',
      'model',
      'bundle_version',
      'run_id',
      'created_at',
    ]);
    expect(m.example).toEqual([{ store_id: '1', as_of_date: '2025-06-30' }]);
    expect(m.dateType).toMatch(/^datetime64/);
    expect(await readFile(join(dir, 'conda.yaml'), 'utf8')).toMatch(/- nodejs>=20\.17/);
  });

  it(
    "the manifest and its signature cover the MLflow files; only MLflow's own download " + 'additions are tolerated',
    async () => {
      const dir = join(await tempDir(), 'b');
      await writeBundle(dir, bundleInput({ signingKey: 'sign-key-1' }));
      // What MLflow adds to a model it downloads (models:/) or imports the loader from.
      await writeFile(join(dir, 'registered_model_meta'), 'model_name: cvc-forecaster\nmodel_version: 3\n');
      await mkdir(join(dir, 'code', '__pycache__'));
      await writeFile(join(dir, 'code', '__pycache__', 'cvc_pyfunc.cpython-311.pyc'), 'x');
      await expect(verifyBundle(dir, { signingKey: 'sign-key-1' })).resolves.toBeDefined();
      await writeFile(join(dir, 'code', 'other.py'), 'print(1)\n');
      await expect(verifyBundle(dir)).rejects.toBeInstanceOf(BundleIntegrityError);

      const dir2 = join(await tempDir(), 'b');
      await writeBundle(dir2, bundleInput({ signingKey: 'sign-key-1' }));
      const loader = join(dir2, 'code', 'cvc_pyfunc.py');
      await writeFile(loader, `${await readFile(loader, 'utf8')}\nimport os\n`);
      await expect(verifyBundle(dir2, { signingKey: 'sign-key-1' })).rejects.toThrow(/cvc_pyfunc\.py/);
      await expect(verifyBundle(dir2, { signingKey: 'other' })).rejects.toBeInstanceOf(BundleSignatureError);
    },
  );
});
