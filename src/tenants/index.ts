export * from './tenantRecord';
export * from './tenantRegistry';
export * from './tenantStatus';
