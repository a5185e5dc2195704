// One locale for numbers and money: ui.locale, else LC_ALL / LC_NUMERIC / LANG, else en-US.
import { describe, expect, it } from 'vitest';
import { formatters, localeFromPosix, parseConfig, resolveLocale } from '../src/index.js';

describe('display locale', () => {
  it('reads POSIX locale variables and prefers the config', () => {
    expect(localeFromPosix('pt_BR.UTF-8')).toBe('pt-BR');
    expect(localeFromPosix('C.UTF-8')).toBeNull();
    expect(localeFromPosix('POSIX')).toBeNull();
    expect(resolveLocale(null, { LANG: 'pt_BR.UTF-8' })).toBe('pt-BR');
    expect(resolveLocale(null, { LC_ALL: 'de_DE.UTF-8', LANG: 'pt_BR.UTF-8' })).toBe('de-DE');
    expect(resolveLocale(null, { LANG: 'C.UTF-8' })).toBe('en-US');
    expect(resolveLocale('en-US', { LANG: 'pt_BR.UTF-8' })).toBe('en-US');
  });

  it('formats money in reais and percentages in the locale', () => {
    const en = formatters('en-US');
    const pt = formatters('pt-BR');
    expect(en.money(1234567.4)).toBe('R$1,234,567');
    expect(pt.money(1234567.4)).toBe('R$ 1.234.567');
    expect(en.pct(0.1234)).toBe('12.3%');
    expect(pt.pct(0.1234)).toBe('12,3%');
    expect(en.int(40997)).toBe('40,997');
    expect(en.money(Number.NaN)).toBe('n/a');
  });

  it('validates ui.locale and train.from in the config', () => {
    expect(parseConfig({ ui: { locale: 'pt-BR' }, train: { from: '2021' } }).ui.locale).toBe('pt-BR');
    expect(parseConfig({}).train.from).toBeNull();
    expect(() => parseConfig({ ui: { locale: 'not a locale!' } })).toThrow(/ui\.locale/);
    expect(() => parseConfig({ train: { from: '21' } })).toThrow(/train\.from/);
  });
});
