export * from './appClient';
export * from './appTokens';
