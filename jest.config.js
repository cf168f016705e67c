// One jest run for the whole repo, so the real servers are found (and the stack started, if
// needed) once, in test/src/global-setup.ts. Test files isolate themselves with their own
// topics, groups and databases, so they run in parallel.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{packages,services}/*/{src,test}/**/*.test.ts', '<rootDir>/test/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // The publishable builds (pnpm packages) carry the same package names as their sources.
  modulePathIgnorePatterns: ['<rootDir>/packages/[^/]+/package/'],
  // cookie 2 (under fastify's inject) ships only ES modules, which jest's runtime cannot require.
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/cookie@|cookie/)'],
  transform: {
    '^.+\\.[cm]?[jt]s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Workspace packages resolve to their TypeScript sources, so tests need no build step.
  testEnvironmentOptions: { customExportConditions: ['lethe-source', 'node', 'require', 'default'] },
  // The harness is not a dependency of the packages it tests (that would be a cycle).
  moduleNameMapper: { '^@lethe/test-harness$': '<rootDir>/test/src/index.ts' },
  globalSetup: '<rootDir>/test/src/global-setup.ts',
  // Deletes the topics and consumer groups the run made; fails the run if any stays.
  globalTeardown: '<rootDir>/test/src/global-teardown.ts',
  testTimeout: 60_000,
  // Three files at once on two cores: the long fault tests mostly wait (a store stopped 90 s,
  // a process killed and restarted), so a third worker shortens the run (220 s -> 178 s).
  maxWorkers: 3,
  // Longest first, from a recorded run when jest has no durations of its own (a clean clone).
  testSequencer: '<rootDir>/test/order/sequencer.js',
};
