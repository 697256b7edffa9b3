export * from './collab-bus.js';
export * from './connect-token.js';
export * from './errors.js';
export * from './ids.js';
export * from './policy.js';
export * from './schemas.js';
export * from './search-language.js';
export * from './yjs/update-validator.js';
