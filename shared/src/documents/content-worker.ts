/**
 * Worker-thread entry of `ContentConverter` (piscina loads this file's default export
 * from dist/). Parsing and building the document happen here, off the event loop.
 */
import { type ConversionRefusal, type ConvertedContent, convertContent } from './content-conversion.js';
import type { ContentReplacement } from './writer.js';

export default function convert(task: {
  state: Uint8Array;
  replacement: ContentReplacement;
}): ConvertedContent | ConversionRefusal {
  return convertContent(task.state, task.replacement);
}
