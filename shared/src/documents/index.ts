export * from './content.js';
export * from './loader.js';
export * from './markdown.js';
export * from './update-validator.js';
export * from './writer.js';
