/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  testTimeout: 120000,
  // jest's default on two cores is one worker; most suites wait on child processes (hosts, the CLI,
  // Azurite), so two keep both cores busy: a fresh clone's run takes about 400 s instead of 600 s
  maxWorkers: 2,
};
