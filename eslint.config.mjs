// ESLint (typescript-eslint) for every TypeScript file of the project; Prettier owns formatting
// (eslint-config-prettier turns off the rules that would fight it). `npm run lint` runs both.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Generated and git-ignored output, and the zoo's fixtures (written by build_zoo.py).
  {
    ignores: ['node_modules/', 'cdk.out/', '.build/', '.cache/', '.tmp/', 'bench/results/', 'coverage/', 'data/', 'output/', 'dead-letters/', 'test/fixtures/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        Atomics: 'readonly',
        SharedArrayBuffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `require()` only where it is the point: a module loaded on first use and never at a cold
      // start (capture, shadows, Powertools Metrics), packages that ship no ES types or no types
      // at all (simple-statistics, kinesalite, s3rver), a module path known only at run time
      // (bench sections), and, in tests, a fresh copy of the Lambda handler per container.
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          allow: [
            '^@aws-lambda-powertools/metrics$',
            '/observability/capture$',
            '/serving/shadow-models$',
            'simple-statistics$',
            '^kinesalite$',
            '^s3rver$',
            '/lambda/handler$',
            '/package\\.json$',
          ],
        },
      ],
    },
  },
  // CommonJS by design: the launcher runs before anything is compiled; jest's environment; a bench driver.
  { files: ['**/*.cjs', '**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // bench/ loads its sections by path at run time.
  { files: ['bench/run.ts', 'bench/sections/batch.ts'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
);
