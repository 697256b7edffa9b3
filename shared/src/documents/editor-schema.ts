import { getSchema } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import StarterKit from '@tiptap/starter-kit';

let schema: Schema | undefined;

/**
 * The ProseMirror schema of a Tiptap editor built with StarterKit — node and mark
 * names, attributes with their defaults, and content rules exactly as Tiptap defines
 * them (`doc`, `paragraph`, `heading{level}`, `bulletList`, `orderedList{start}`,
 * `listItem`, `blockquote`, `codeBlock{language}`, `horizontalRule`, `hardBreak`;
 * marks `bold`, `italic`, `strike`, `code`, `underline`, `link{href,…}`). Taken from
 * Tiptap itself rather than restated, so what Folio writes is what those editors read.
 * Built once per thread on first use (about 10 ms); schemas are immutable.
 */
export function editorSchema(): Schema {
  schema ??= getSchema([StarterKit]);
  return schema;
}
