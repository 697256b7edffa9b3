export * from './content.js';
export * from './markdown.js';
export * from './writer.js';
