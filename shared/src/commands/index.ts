export * from './api-token-issuer.js';
export * from './document-state.js';
export * from './document-update-recorder.js';
export * from './live-document-updater.js';
export * from './user-creator.js';
