export * from './content.js';
export * from './content-conversion.js';
export * from './content-converter.js';
export * from './editor-schema.js';
export * from './markdown.js';
export * from './state-transfer.js';
export * from './writer.js';
