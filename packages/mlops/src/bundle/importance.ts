// LightGBM feature importance of a saved lgbm model (bundle or not), read from its model text: per feature the
// number of splits (`split`) and the summed split gain (`gain`) over every tree, which is how LightGBM
// itself computes importance_type split / gain. Read from the text, so any saved bundle can be
// inspected without loading the native library. An SVG bar chart is drawn for each kind.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FeatureImportance {
  feature: string;
  gain: number;
  split: number;
}

/** Sums split counts and gains per feature over every tree of one LightGBM model text. */
export function importanceFromModelText(
  text: string,
  into = new Map<string, FeatureImportance>(),
): Map<string, FeatureImportance> {
  const namesLine = /^feature_names=(.*)$/m.exec(text);
  if (!namesLine) throw new Error('not a LightGBM model text: no feature_names= line');
  const names = namesLine[1]!.trim().split(' ');
  for (const n of names) if (!into.has(n)) into.set(n, { feature: n, gain: 0, split: 0 });
  // Each tree block lists split_feature= (feature index per split) and split_gain= (gain per split).
  for (const block of text.split(/^Tree=\d+$/m).slice(1)) {
    const feat = /^split_feature=(.*)$/m.exec(block);
    const gain = /^split_gain=(.*)$/m.exec(block);
    if (!feat || !gain) continue; // a single-leaf tree has no splits
    const fs = feat[1]!.trim().split(' ').map(Number);
    const gs = gain[1]!.trim().split(' ').map(Number);
    fs.forEach((f, i) => {
      const row = into.get(names[f]!)!;
      row.split += 1;
      row.gain += gs[i] ?? 0;
    });
  }
  return into;
}

/** Importance over every model file (model.txt or model_hNN.txt) of a saved lgbm model directory, by gain. */
export async function lgbmFeatureImportance(modelDir: string): Promise<FeatureImportance[]> {
  const files = (await readdir(modelDir)).filter((f) => /^model(_h\d+)?\.txt$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${modelDir}: no LightGBM model text (model.txt / model_hNN.txt)`);
  const acc = new Map<string, FeatureImportance>();
  for (const f of files) importanceFromModelText(await readFile(join(modelDir, f), 'utf8'), acc);
  return [...acc.values()].sort((a, b) => b.gain - a.gain || b.split - a.split || a.feature.localeCompare(b.feature));
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A horizontal bar chart of the top `top` features by `kind`, as a standalone SVG. */
export function importanceSvg(rows: readonly FeatureImportance[], kind: 'gain' | 'split', top = 25): string {
  const shown = [...rows].sort((a, b) => b[kind] - a[kind]).slice(0, top);
  const max = Math.max(1e-12, ...shown.map((r) => r[kind]));
  const bar = 18;
  const label = 220;
  const width = 720;
  const height = 40 + shown.length * bar;
  const bars = shown.map((r, i) => {
    const y = 30 + i * bar;
    const w = ((width - label - 90) * r[kind]) / max;
    const value = kind === 'gain' ? r.gain.toPrecision(4) : String(r.split);
    return (
      `<text x="${label - 6}" y="${y + 12}" text-anchor="end">${esc(r.feature)}</text>` +
      `<rect x="${label}" y="${y + 2}" width="${w.toFixed(1)}" height="${bar - 5}" fill="#4c78a8"/>` +
      `<text x="${(label + w + 4).toFixed(1)}" y="${y + 12}">${value}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    'font-family="sans-serif" font-size="11">' +
    `<text x="10" y="18" font-size="13">LightGBM feature importance (${kind}), top ${shown.length}</text>` +
    `${bars.join('')}</svg>\n`
  );
}
