export * from './api-token-issuer.js';
export * from './user-creator.js';
