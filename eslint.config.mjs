import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SERVICES = ['account', 'consent', 'retention', 'erasure', 'audit'].map((name) => `@lethe/${name}`);

const kafkajsOnlyInThePort = {
  name: 'kafkajs',
  message:
    'Reach Kafka through @lethe/kafka: only packages/kafka imports kafkajs, so TLS, SASL and the client live in one place.',
};
const mongodbOnlyInStores = {
  name: 'mongodb',
  message:
    'MongoDB is reached through a store adapter (eventstore, key vault, a named *-store or adapter file) or wired in main.ts/service.ts.',
};
const noServiceImports = {
  group: SERVICES,
  message: 'Services never import each other, and packages never import a service: share through a package.',
};

/** One rule value per file group: ESLint replaces a rule's options, it does not merge them. */
const boundaries = ({ kafkajs = true, mongodb = true, services = true } = {}) => [
  'error',
  {
    paths: [...(kafkajs ? [kafkajsOnlyInThePort] : []), ...(mongodb ? [mongodbOnlyInStores] : [])],
    patterns: services ? [noServiceImports] : [],
  },
];

// Where MongoDB may be touched in production code: the processes' wiring and the store adapters.
const MONGODB_ALLOWED = [
  'packages/eventstore/src/**',
  'packages/crypto/src/key-vault.ts',
  'packages/cli/src/**',
  'services/*/src/main.ts',
  'services/*/src/service.ts',
  'services/erasure/src/llm/disclosures.ts',
  'services/erasure/src/llm/provider-retention-store.ts',
  'services/erasure/src/llm/llm-consents.ts',
  'services/account/src/usage/usage-records.ts',
  'services/account/src/sign-in/email-index-store.ts',
  'services/erasure/src/runtime/request-index.ts',
  'services/erasure/src/access/access-store.ts',
  'services/erasure/src/https-participants/https-participant-store.ts',
  'services/consent/src/consent/marketing-contacts.ts',
  'services/retention/src/policy/activation.ts',
  'services/retention/src/holds/legal-holds.ts',
  'services/audit/src/timeline/request-timeline.ts',
  'services/audit/src/receipts/receipt-store.ts',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'packages/*/package/**',
      '**/node_modules/**',
      '.lethe/**',
      'coverage/**',
      'packages/events/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A `let` read by a closure before its one assignment (late-bound wiring) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // process.env is read in one validated config module per service (STYLE.md section 4).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config.ts only.' },
      ],
    },
  },
  // Type-aware: promises are awaited or handed on (a forgotten one loses its error and its
  // ordering), no `any` leaks. Ports are implemented with async functions even where a body has
  // nothing to await, so every implementation of an interface reads the same: require-await off.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  { files: ['services/**/*.ts', 'packages/**/*.ts'], rules: { 'no-restricted-imports': boundaries() } },
  { files: MONGODB_ALLOWED, rules: { 'no-restricted-imports': boundaries({ mongodb: false }) } },
  // Tests reach the real stores directly to check outcomes; they still use the Kafka port.
  {
    files: ['**/*.test.ts', 'services/*/test/**', 'packages/*/test/**'],
    rules: { 'no-restricted-imports': boundaries({ mongodb: false }) },
  },
  // The port itself, and its own tests, which look at what it hides. kafkajs hands bound
  // functions (heartbeat, resolveOffset) in its payloads, which unbound-method cannot know.
  {
    files: ['packages/kafka/**'],
    rules: {
      'no-restricted-imports': boundaries({ kafkajs: false, mongodb: false }),
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Tests assert on JSON bodies, which are `any` by nature: the expectation is the type check.
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  // Cross-service tests and the benches put services together; the benches measure the raw
  // client library as the floor.
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries({ mongodb: false, services: false }) },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries({ kafkajs: false, mongodb: false, services: false }) },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs' },
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The test runner's CommonJS plug-ins (jest loads them untransformed).
    files: ['test/order/*.js'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The portal's one browser script: plain ES5 in a page, no modules.
    files: ['services/portal/src/assets/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['**/config.ts', '**/*.test.ts', '**/test/**', 'test/**', 'deploy/**', 'bench/**', '**/*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
