// Tests run from TypeScript source through SWC (no type check here; `npm run typecheck` does that).
/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: ['**/*.test.ts', '**/*.test.tsx'],
    // The resilience suite has its own config and command (jest.resilience.config.mjs, npm run test:resilience).
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/resilience/'],
    transform: {
        '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
            '@swc/jest',
            {
                jsc: {
                    parser: { syntax: 'typescript', tsx: true },
                    transform: { react: { runtime: 'automatic', importSource: 'preact' } },
                    target: 'es2022',
                },
                module: { type: 'commonjs' },
            },
        ],
    },
    // preact 11, jose 6 (under jwks-rsa) and ky ship ES modules only; compile them to CommonJS like our own code.
    transformIgnorePatterns: ['/node_modules/(?!(preact|preact-render-to-string|jose|ky)/)'],
    // The library looks for the worker's built-in `@azure/functions-core`; tests get the local host's (dev/host/core).
    moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/host/core/functionsCore.ts' },
    testTimeout: 30000,
    // Each integration suite owns real child processes; give teardown room and report leaks loudly.
    openHandlesTimeout: 5000,
};
