// The resilience suite (`npm run test:resilience`, test/resilience/): the product in real local host
// processes against Azurite and the simulator, broken on purpose. Not part of `npm test`.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
    ...base,
    roots: ['<rootDir>/test/resilience'],
    testPathIgnorePatterns: ['/node_modules/'],
    // Each scenario runs several processes of its own; two at a time keep a 2-core machine responsive.
    maxWorkers: 2,
    testTimeout: 5 * 60_000,
};
