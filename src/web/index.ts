export * from './headers';
export * from './http';
export * from './input';
export * from './render';
export * from './stylesheet';
export * from './syncOutput';
export * from './tenantPages';
