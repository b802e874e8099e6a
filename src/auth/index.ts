export * from './auth';
export * from './csrf';
export * from './idToken';
export * from './returnTo';
export * from './roles';
export * from './session';
export * from './signedTokens';
export * from './signIn';
