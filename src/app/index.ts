export * from './clock';
export * from './services';
