export * from './config';
export * from './schedule';
export * from './variables';
