// Malformed model text must never crash the process or print on stdout: each corruption is loaded
// in a child process (a crash there is a signal, not a failed assertion here), which must exit
// normally with a ModelFileError naming the file and write nothing on stdout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Booster, checkModelText, Dataset, ModelTextError, train } from '../src/index.js';
import { regression } from './synthetic.js';
import { runChild } from '../../../test-support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'cvc-lgbm-model-'));
let model = '';
let trained: Booster;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const tr = regression(600, 5, 11);
  const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y, categorical: [tr.cat] });
  const params = { objective: 'regression', num_leaves: 15, verbose: -1, num_threads: 2, seed: 1 };
  const { booster } = await train(params, ds, { numBoostRound: 30 });
  model = booster.modelString();
  trained = booster;
});

/** Loads `text` from a file in a child process through Booster.load; returns its exit, signal and output. */
async function loadInChild(name: string, text: string | Buffer) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const src = resolve(__dirname, '../src/index.ts');
  const script = `const { Booster } = await import(${JSON.stringify(src)});
try { await Booster.load(${JSON.stringify(file)}); console.error('LOADED'); }
catch (e) { console.error('ERROR ' + e.name + ' ' + e.message); process.exitCode = 2; }`;
  const r = await runChild(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return { file, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function treeStart(text: string, i: number): number {
  return text.indexOf(`\nTree=${i}\n`) + 1;
}

const corruptions: [string, (m: string) => string | Buffer][] = [
  ['truncated to half', (m) => m.slice(0, Math.floor(m.length / 2))],
  [
    'flipped bytes inside a tree',
    (m) => {
      const b = Buffer.from(m, 'latin1');
      const at = treeStart(m, 7) + 60;
      for (let k = 0; k < 8; k++) b[at + k] = b[at + k]! ^ 0x5a;
      return b;
    },
  ],
  ['no end-of-trees marker', (m) => m.replace('end of trees', '')],
  ['cut right after the last tree', (m) => m.slice(0, m.indexOf('end of trees'))],
  ['tree_sizes one byte off', (m) => m.replace(/^tree_sizes=(\d+)/m, (_, n: string) => `tree_sizes=${Number(n) + 1}`)],
  ['a tree line without "="', (m) => m.replace(/\nleaf_count=/, '\nleaf_count ')],
  ['a child index out of range', (m) => m.replace(/\nleft_child=(-?\d+)/, '\nleft_child=99999')],
  [
    'children forming a loop',
    (m) => {
      const at = treeStart(m, 3);
      const tree = m.slice(at, m.indexOf('\n\n', at));
      const left = /\nleft_child=(\S+) /.exec(tree)!;
      // Node 0's left child points back at node 0.
      return m.slice(0, at) + tree.replace(`\nleft_child=${left[1]} `, '\nleft_child=0 ') + m.slice(at + tree.length);
    },
  ],
  ['a leaf value that is not a number', (m) => m.replace(/\nleaf_value=\S+/, '\nleaf_value=zz')],
  ['a split on a feature the model does not have', (m) => m.replace(/\nsplit_feature=\d+/, '\nsplit_feature=40')],
];

describe('model text check', () => {
  it('accepts what LightGBM writes, and the model loads from it', async () => {
    expect(checkModelText(model)).not.toContain('tree_sizes=');
    const r = await loadInChild('good.txt', model);
    expect(r.stderr).toContain('LOADED');
    expect(r.stdout).toBe('');
    expect(Booster.fromModelString(model).numFeature()).toBe(5);
  });

  it('predicts the same from the checked text (no tree_sizes) as from the trained booster', async () => {
    const te = regression(50, 5, 12);
    const loaded = Booster.fromModelString(model);
    const want = await trained.predict(te.X, { nrow: te.nrow, ncol: te.ncol });
    expect(await loaded.predict(te.X, { nrow: te.nrow, ncol: te.ncol })).toEqual(want);
  });

  for (const [name, corrupt] of corruptions) {
    it(`refuses a model with ${name}: no crash, nothing on stdout, the file named`, async () => {
      const bad = corrupt(model);
      expect(() => checkModelText(Buffer.isBuffer(bad) ? bad.toString('utf8') : bad)).toThrow(ModelTextError);
      const r = await loadInChild(`${name.replaceAll(/\W+/g, '-')}.txt`, bad);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`ERROR LightGBMError ${r.file}: not a loadable LightGBM model:`);
    });
  }
});
