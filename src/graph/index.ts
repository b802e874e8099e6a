export * from './graphClient';
export * from './throttleGate';
