export * from './secretProvider';
