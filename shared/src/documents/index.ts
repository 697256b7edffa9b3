export * from './content.js';
export * from './markdown.js';
export * from './state-transfer.js';
export * from './writer.js';
