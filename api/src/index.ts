export { type Api, type ApiDeps, createApi } from './app.js';
export { type ApiConfig, apiConfigSchema } from './config.js';
export { type RunningApi, serveApi } from './serve.js';
