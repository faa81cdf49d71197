// One linter for the whole tree. The import rules keep the layer picture of DESIGN.md true:
// core/ is pure, radius/ knows nothing of tokens or SQL, storage/ knows nothing of HTTP or
// RADIUS, and http/ reaches storage only through services.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, groups, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [{ group: groups, message, allowTypeImports: true }] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union.' },
      ],
    },
  },
  // The store is asynchronous: a forgotten await would let a reply leave before its commit,
  // or a transaction's work run outside it. The type-aware rules catch both.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // A promise returned from inside try/catch must be awaited there, or its rejection
    // escapes the catch. (Fastify route handlers return replies, which are thenables.)
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/http/**'],
    rules: { '@typescript-eslint/return-await': ['error', 'in-try-catch'] },
  },
  layer(
    ['src/core/**'],
    ['node:*', '../*', '!../core/*', 'better-sqlite3', 'fastify*', '@fastify/*'],
    'core/ is pure: no I/O and nothing from outside core/.',
  ),
  layer(
    ['src/radius/**'],
    ['../storage/*', '../services/*', '../http/*', '../core/*', 'better-sqlite3'],
    'radius/ knows nothing of tokens or SQL: hand decoded requests to a handler.',
  ),
  layer(
    ['src/unifi/**'],
    ['../storage/*', '../services/*', '../http/*', '../radius/*', 'better-sqlite3'],
    'unifi/ is a controller API client: it knows nothing of tokens, SQL or HTTP routes.',
  ),
  layer(
    ['src/storage/**'],
    ['../http/*', '../radius/*', '../services/*', 'fastify*', '@fastify/*'],
    'storage/ knows nothing of HTTP, RADIUS or services.',
  ),
  layer(
    ['src/http/**'],
    ['../storage/*', '../../storage/*', 'better-sqlite3'],
    'http/ calls services, never repositories.',
  ),
);
