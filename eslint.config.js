// ESLint (typescript-eslint, type-aware) checks what a formatter cannot: promises nobody awaits,
// switches that miss a case, lines over 120 characters (strings too). Prettier owns the layout (.prettierrc.json).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'spark-warehouse/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Every line stops at 120, strings included: a long message is split with `+` (the text stays
      // byte-identical), a long SQL statement over lines of its template literal.
      'max-len': ['error', { code: 120, tabWidth: 2 }],
    },
  },
  {
    // A vitest worker blocked in a synchronous child process misses vitest's fixed 60 s worker RPC
    // timeout and fails the whole run: tests start children through test-support/child.ts.
    files: ['packages/*/test/**/*.ts', 'test-support/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:child_process', 'child_process'].map((name) => ({
            name,
            importNames: ['spawnSync', 'execFileSync', 'execSync'],
            message: 'use runChild from test-support/child.ts (a blocked worker fails the run)',
          })),
        },
      ],
    },
  },
);
