export * from './storageClients';
export * from './tableErrors';
