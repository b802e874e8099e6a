export * from './appConfig';
export * from './config';
export * from './schedule';
export * from './variables';
