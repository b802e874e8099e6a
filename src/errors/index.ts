export * from './errorCodes';
export * from './errors';
