// How numbers and money read in every output (terminal, reports, SVG): one locale, from the config's
// ui.locale or else the environment (LC_ALL, LC_NUMERIC, LANG), falling back to en-US.

/** `pt_BR.UTF-8` -> `pt-BR`; `C`, `POSIX` and unknown tags -> null. */
export function localeFromPosix(value: string | undefined): string | null {
  if (!value) return null;
  const tag = value.split('.')[0]!.split('@')[0]!.replace('_', '-');
  if (tag === 'C' || tag === 'POSIX' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return null;
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag]).length > 0 ? tag : null;
  } catch {
    return null;
  }
}

/** The locale to format with: the configured one, else the first usable of LC_ALL, LC_NUMERIC, LANG, else en-US. */
export function resolveLocale(configured: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  for (const k of ['LC_ALL', 'LC_NUMERIC', 'LANG']) {
    const l = localeFromPosix(env[k]);
    if (l) return l;
  }
  return 'en-US';
}

export interface Formatters {
  locale: string;
  /** Whole reais: `R$1,234` in en-US, `R$ 1.234` in pt-BR; `n/a` when not finite. */
  money(x: number): string;
  /** A ratio as a percentage with one decimal: 0.123 -> `12.3%` (`12,3%` in pt-BR). */
  pct(x: number): string;
  /** A count or amount with grouping and no decimals. */
  int(x: number): string;
  /** A number with `digits` decimals. */
  num(x: number, digits?: number): string;
}

/** Sales are in BRL whatever the locale: the locale decides separators and symbol placement only. */
export function formatters(locale: string): Formatters {
  const money = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'BRL',
    maximumFractionDigits: 0,
    minimumFractionDigits: 0,
  });
  const pct = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const int = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const na = (f: (x: number) => string) => (x: number) => (Number.isFinite(x) ? f(x) : 'n/a');
  return {
    locale,
    money: na((x) => money.format(Math.round(x)).replace(/\u00a0/g, ' ')),
    pct: na((x) => pct.format(x).replace(/\u00a0/g, ' ')),
    int: na((x) => int.format(Math.round(x))),
    num: (x, digits = 2) => {
      if (!Number.isFinite(x)) return 'n/a';
      return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
    },
  };
}
