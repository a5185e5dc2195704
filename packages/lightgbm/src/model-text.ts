// Checks LightGBM model text before the C library sees it. LightGBM 4.1 parses trees on OpenMP
// threads: a malformed tree there throws past its exception helper and aborts the process, a
// `tree_sizes` that disagrees with the text sends it reading past the buffer (SIGSEGV), and a line
// without `=` inside a tree is scanned past its end. Child indices that point out of range or loop
// would crash or hang prediction later. So everything LightGBM trusts is checked here, and the text
// handed over has no `tree_sizes` line: trees are then parsed on the calling thread, where an error
// becomes LGBM_GetLastError and log lines reach our logger instead of stdout.
import { LightGBMError } from './errors.js';

const INT = /^-?\d+$/;
const INT_LIST = /^-?\d+(?: -?\d+)*$/;
const FLOAT = /^[-+]?((\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|inf|nan)$/i;
const F = '[-+]?(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|inf|nan)';
/** A space-separated list of numbers, checked in one pass (a model holds about a million of them). */
const FLOAT_LIST = new RegExp(`^${F}(?: ${F})*$`, 'i');
/** More leaves than LightGBM's own num_leaves limit (131072) is not a model, it is damage. */
const MAX_LEAVES = 131_072;

export class ModelTextError extends LightGBMError {
  constructor(readonly reason: string) {
    super('model text', reason);
  }
}

function fail(reason: string): never {
  throw new ModelTextError(reason);
}

function ints(where: string, value: string | undefined, n: number, min: number, max: number): number[] {
  const parts = value === undefined ? [] : value === '' ? [] : value.split(' ');
  if (parts.length !== n) fail(`${where}: expected ${n} values, found ${parts.length}`);
  const values = n > 0 && INT_LIST.test(value!) ? parts.map(Number) : [];
  for (let k = 0; k < n; k++) {
    const v = values[k];
    if (v === undefined || v < min || v > max) {
      fail(`${where}: "${parts[k]!.slice(0, 40)}" is not an integer in ${min}..${max}`);
    }
  }
  return values;
}

function floats(where: string, value: string | undefined, n: number): void {
  let count = value === undefined || value === '' ? 0 : 1;
  for (let k = value?.indexOf(' ') ?? -1; k >= 0; k = value!.indexOf(' ', k + 1)) count++;
  if (count !== n) fail(`${where}: expected ${n} values, found ${count}`);
  if (n > 0 && !FLOAT_LIST.test(value!)) {
    const bad = value!.split(' ').find((p) => !FLOAT.test(p)) ?? '';
    fail(`${where}: "${bad.slice(0, 40)}" is not a number`);
  }
}

function int(where: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined) fail(`${where}: missing`);
  return ints(where, value, 1, min, max)[0]!;
}

/** Checks one tree's key=value block (without its `Tree=i` line). */
function checkTree(i: number, fields: Map<string, string>, maxFeature: number): void {
  const at = (k: string) => `Tree=${i} ${k}`;
  if ((fields.get('is_linear') ?? '0') !== '0') fail(`${at('is_linear')}: linear trees are not supported`);
  const leaves = int(at('num_leaves'), fields.get('num_leaves'), 1, MAX_LEAVES);
  const numCat = int(at('num_cat'), fields.get('num_cat'), 0, MAX_LEAVES);
  floats(at('leaf_value'), fields.get('leaf_value'), leaves);
  if (fields.has('shrinkage')) floats(at('shrinkage'), fields.get('shrinkage'), 1);
  if (leaves === 1) return;
  const inner = leaves - 1;
  for (const k of ['left_child', 'right_child', 'split_feature', 'threshold']) {
    if (!fields.has(k)) fail(`${at(k)}: missing`);
  }
  const left = ints(at('left_child'), fields.get('left_child'), inner, -leaves, inner - 1);
  const right = ints(at('right_child'), fields.get('right_child'), inner, -leaves, inner - 1);
  ints(at('split_feature'), fields.get('split_feature'), inner, 0, maxFeature);
  floats(at('threshold'), fields.get('threshold'), inner);
  for (const k of ['split_gain', 'internal_value', 'internal_weight']) {
    if (fields.has(k)) floats(at(k), fields.get(k), inner);
  }
  if (fields.has('internal_count')) ints(at('internal_count'), fields.get('internal_count'), inner, 0, 2 ** 31 - 1);
  if (fields.has('leaf_weight')) floats(at('leaf_weight'), fields.get('leaf_weight'), leaves);
  if (fields.has('leaf_count')) ints(at('leaf_count'), fields.get('leaf_count'), leaves, 0, 2 ** 31 - 1);
  const decisionText = fields.get('decision_type');
  const decision = decisionText !== undefined ? ints(at('decision_type'), decisionText, inner, 0, 15) : [];
  if (decision.some((d) => d >> 2 === 3)) fail(`${at('decision_type')}: unknown missing-value type`);
  if (numCat > 0) {
    const bounds = ints(at('cat_boundaries'), fields.get('cat_boundaries'), numCat + 1, 0, 2 ** 31 - 1);
    if (bounds[0] !== 0 || bounds.some((b, k) => k > 0 && b < bounds[k - 1]!)) {
      fail(`${at('cat_boundaries')}: not ascending from 0`);
    }
    ints(at('cat_threshold'), fields.get('cat_threshold'), bounds[numCat]!, 0, 2 ** 32 - 1);
  }
  const thresholds = fields.get('threshold')!.split(' ');
  decision.forEach((d, node) => {
    if ((d & 1) === 0) return;
    // A categorical split's threshold indexes cat_boundaries.
    const t = thresholds[node]!;
    if (!INT.test(t) || Number(t) < 0 || Number(t) >= numCat) {
      fail(`${at('threshold')}: categorical split ${node} points at category set ${t}`);
    }
  });
  // Every node reached exactly once from the root: no node out of range, shared or in a loop.
  const seenInner = new Uint8Array(inner);
  const seenLeaf = new Uint8Array(leaves);
  const stack = [0];
  seenInner[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of [left[node]!, right[node]!]) {
      if (child >= 0) {
        if (seenInner[child]) fail(`Tree=${i}: node ${child} is reached twice (the children do not form a tree)`);
        seenInner[child] = 1;
        stack.push(child);
      } else {
        const leaf = ~child;
        if (seenLeaf[leaf]) fail(`Tree=${i}: leaf ${leaf} is reached twice (the children do not form a tree)`);
        seenLeaf[leaf] = 1;
      }
    }
  }
  if (seenInner.includes(0) || seenLeaf.includes(0)) fail(`Tree=${i}: some nodes are not reachable from the root`);
}

function keyValues(lines: string[], where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) fail(`${where}: line "${line.slice(0, 60)}" is not key=value`);
    out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/**
 * Validates LightGBM model text; returns the text to hand to LGBM_BoosterLoadModelFromString (the
 * same model, without the `tree_sizes` line). Throws ModelTextError saying what is wrong.
 */
export function checkModelText(model: string): string {
  // Offsets in tree_sizes count bytes: look at the text byte by byte.
  const text = Buffer.from(model, 'utf8').toString('latin1');
  if (text.length === 0) fail('empty');
  const nul = text.indexOf('\0');
  if (nul >= 0) fail(`NUL byte at offset ${nul}`);
  if (text.includes('\r')) fail('carriage return in the text (LightGBM writes \\n line ends)');
  const firstTree = text.search(/^Tree=/m);
  if (firstTree < 0) fail('no "Tree=" section (truncated?)');
  const headerLines = text
    .slice(0, firstTree)
    .split('\n')
    .filter((l) => l !== '');
  if (headerLines[0] !== 'tree') fail('the first line is not "tree": not a LightGBM model');
  const header = new Map<string, string>();
  for (const line of headerLines.slice(1)) {
    const eq = line.indexOf('=');
    if (eq > 0) header.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const numClass = int('num_class', header.get('num_class'), 1, 1_000_000);
  const perIterationText = header.get('num_tree_per_iteration');
  const perIteration =
    perIterationText !== undefined ? int('num_tree_per_iteration', perIterationText, 1, 1_000_000) : numClass;
  int('label_index', header.get('label_index'), -1, 2 ** 31 - 1);
  const maxFeature = int('max_feature_idx', header.get('max_feature_idx'), 0, 2 ** 31 - 2);
  for (const k of ['feature_names', 'feature_infos']) {
    const n = header.get(k)?.split(' ').length ?? 0;
    if (n !== maxFeature + 1) {
      fail(`${k}: expected ${maxFeature + 1} entries (max_feature_idx ${maxFeature}), found ${n}`);
    }
  }
  const sizesText = header.get('tree_sizes');
  if (sizesText === undefined) fail('tree_sizes: missing');
  const sizes = ints('tree_sizes', sizesText, sizesText.split(' ').length, 1, text.length);
  if (sizes.length % perIteration !== 0) {
    fail(`tree_sizes: ${sizes.length} trees is not a multiple of num_tree_per_iteration ${perIteration}`);
  }

  let at = firstTree;
  sizes.forEach((size, i) => {
    if (at + size > text.length) fail(`Tree=${i}: tree_sizes says ${size} bytes, the text ends first (truncated?)`);
    const chunk = text.slice(at, at + size);
    at += size;
    const lines = chunk.split('\n');
    if (lines[0] !== `Tree=${i}`) fail(`tree_sizes does not match the text: tree ${i} does not start with "Tree=${i}"`);
    const blank = lines.indexOf('', 1);
    if (blank < 0) fail(`Tree=${i}: no blank line ends the tree (truncated?)`);
    if (lines.slice(blank).some((l) => l !== '')) {
      fail(`tree_sizes does not match the text: Tree=${i} runs into the next section`);
    }
    // LightGBM reads at most 22 lines of a tree and would silently drop the trees after a longer one.
    if (blank - 1 > 22) fail(`Tree=${i}: ${blank - 1} lines, LightGBM reads at most 22`);
    checkTree(i, keyValues(lines.slice(1, blank), `Tree=${i}`), maxFeature);
  });
  if (!/^\n*end of trees(\n|$)/.test(text.slice(at))) {
    fail('no "end of trees" line after the last tree (truncated or tree_sizes wrong?)');
  }
  return model.replace(/^tree_sizes=[^\n]*\n/m, '');
}
