export * from './consentProof';
export * from './consentStates';
export * from './onboarding';
