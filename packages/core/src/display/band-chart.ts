// The SVG pieces of a forecast chart shared by the backtest report and `cvc forecast show`: a p10-p90
// band polygon and polylines over the same x/y scales. Plain strings: no DOM, no scripts (offline files).

export interface ChartScale {
  x(i: number): number;
  y(v: number): number;
}

/** A linear scale: index 0..n-1 onto left..right, value 0..max onto bottom..top. */
export function chartScale(
  box: { left: number; right: number; top: number; bottom: number },
  n: number,
  max: number,
): ChartScale {
  const top = Math.max(1, max);
  return {
    x: (i) => box.left + (i / Math.max(1, n - 1)) * (box.right - box.left),
    y: (v) => box.top + (1 - v / top) * (box.bottom - box.top),
  };
}

/** `x,y` points of the finite values of a series starting at index `offset`; gaps are skipped. */
export function linePoints(s: ChartScale, values: ArrayLike<number>, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out.push(`${s.x(offset + i).toFixed(1)},${s.y(v).toFixed(1)}`);
  }
  return out.join(' ');
}

/** The p10-p90 band: along p90 left to right, back along p10 right to left. */
export function bandPolygon(s: ChartScale, lower: ArrayLike<number>, upper: ArrayLike<number>, offset = 0): string {
  const pts: string[] = [];
  for (let i = 0; i < upper.length; i++) pts.push(`${s.x(offset + i).toFixed(1)},${s.y(upper[i]!).toFixed(1)}`);
  for (let i = lower.length - 1; i >= 0; i--) pts.push(`${s.x(offset + i).toFixed(1)},${s.y(lower[i]!).toFixed(1)}`);
  return pts.join(' ');
}

/** Text for SVG and HTML: the five XML specials as character references. */
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
