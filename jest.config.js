/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/support/node-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The source's dynamic import()s name the .js a TypeScript file compiles to (node16 resolution); jest resolves the .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // The parquet libraries ship ES modules only; jest's CommonJS runtime needs them transformed.
  // The AWS SDK and Powertools keep module-level singletons that outlive a test file; Jest's soft
  // global cleanup only warns about them.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60000,
  // Two test files at a time on a 2-core machine: most of a file's time is spent waiting on child
  // processes (npm start, the runtime client, the local peers), so npm test takes ~5 min instead of ~8.
  maxWorkers: 2,
  // The tests leave the working tree as they found it (no tracked file rewritten, nothing left
  // that git does not ignore): checked once around the whole run.
  globalSetup: '<rootDir>/test/support/working-tree/before.js',
  globalTeardown: '<rootDir>/test/support/working-tree/after.js',
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer|hyparquet-compressors|hysnappy)/)'],
};
