// ESLint flat config: JavaScript and TypeScript recommended rules; generated code and
// build output are not linted.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Issue #19: no mutable module state outside the composition roots. A module-level `let`, or an
// empty Map/Set/WeakMap/WeakSet/array made to be filled later, is a hidden singleton shared by
// every app in the process; state belongs to an object the composition root builds and passes.
const moduleState = (prefix) => [
  {
    selector: `${prefix}VariableDeclaration[kind=/^(let|var)$/]`,
    message: 'No mutable module state (issue #19): move it into an object built by the composition root (src/main.ts).',
  },
  {
    selector: `${prefix}VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet)$/][arguments.length=0]`,
    message:
      'No module-level collection filled at run time (issue #19): a hidden singleton; keep it on an instance the composition root builds.',
  },
  {
    selector: `${prefix}VariableDeclaration > VariableDeclarator > ArrayExpression[elements.length=0]`,
    message: 'No module-level array filled at run time (issue #19).',
  },
];
const noModuleState = [...moduleState('Program > '), ...moduleState('Program > ExportNamedDeclaration > ')];
// Metrics are registered through src/core/metrics.ts (get-or-create on the process registry, typed).
const oneMetricsHelper = [
  {
    selector: 'NewExpression[callee.name=/^(Counter|Gauge|Histogram|Summary)$/]',
    message: 'Register metrics with src/core/metrics.ts (counter, gauge, histogram, summary).',
  },
];

export default tseslint.config(
  {
    ignores: [
      '.dependency-cruiser.cjs',
      'dist/**',
      '.startup-dist-*/**',
      'src/generated/**',
      'node_modules/**',
      '.cache/**',
      'data/**',
      'src/server/public/**/*.bundle.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...noModuleState, ...oneMetricsHelper] },
  },
  {
    // The composition roots (the server's, and the browser console's entry) own the process's state.
    files: ['src/main.ts', 'src/console/main.ts'],
    rules: { 'no-restricted-syntax': ['error', ...oneMetricsHelper] },
  },
  { files: ['src/core/metrics.ts'], rules: { 'no-restricted-syntax': ['error', ...noModuleState] } },
  {
    // Tests read loosely-typed JSON responses.
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
