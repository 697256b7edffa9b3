export { type CollabDeps, type CollabServer, createCollabServer } from './collab-server.js';
export { type CollabConfig, collabConfigSchema } from './config.js';
export { collabConsoleLevel } from './context.js';
