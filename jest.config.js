// Three projects so CI can run them in order of cost: unit (no network), integration (real
// Kafka/Postgres/Redis), e2e (real service processes). Libs resolve to their TypeScript source.
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
const shared = {
  transform: { '^.+\\.(t|j)s$': swc },
  moduleNameMapper: { '^@sightline/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  testEnvironment: '<rootDir>/test/setup/environment.js',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/test'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/timeouts.js'],
};
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['\\.integration\\.test\\.ts$', '\\.e2e\\.test\\.ts$', '/node_modules/'] },
    { ...shared, displayName: 'integration', testMatch: ['**/*.integration.test.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['**/*.e2e.test.ts'] },
  ],
};
