import * as Y from 'yjs';

/**
 * The plain text of a document: every top-level Y.Text and Y.XmlFragment, in name
 * order, separated by blank lines. Used for the search index; the REST API's
 * `?format=text` can use the same function.
 *
 * A document decoded from an update does not know the concrete class of its top-level
 * types (that is decided by the first `doc.getText`/`getXmlFragment` call), so the kind
 * is inferred from the content: strings and formats make a text, nested types a
 * fragment; maps and arrays are skipped. Reading the shared type through `getText` or
 * `getXmlFragment` is only done for the kind it already holds, so nothing is coerced.
 */
export function documentPlainText(doc: Y.Doc): string {
  const parts: string[] = [];
  for (const name of [...doc.share.keys()].sort()) {
    const type = doc.share.get(name);
    if (!type || type._map.size > 0) continue;
    const kind = kindOf(type);
    if (kind === 'text') parts.push(doc.getText(name).toString());
    else if (kind === 'xml') parts.push(fragmentText(doc.getXmlFragment(name)));
  }
  return parts.filter((p) => p.length > 0).join('\n\n');
}

function kindOf(type: Y.AbstractType<any>): 'text' | 'xml' | undefined {
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.XmlFragment) return 'xml';
  if (type instanceof Y.Map || type instanceof Y.Array) return undefined;
  for (let item = type._start; item !== null; item = item.right) {
    const content = item.content;
    if (
      content instanceof Y.ContentString ||
      content instanceof Y.ContentFormat ||
      content instanceof Y.ContentEmbed
    ) {
      return 'text';
    }
    if (content instanceof Y.ContentType) {
      const inner = content.type;
      return inner instanceof Y.XmlElement || inner instanceof Y.XmlText || inner instanceof Y.XmlHook
        ? 'xml'
        : undefined;
    }
    if (!item.deleted) return undefined;
  }
  return undefined;
}

const textOf = (text: Y.XmlText): string =>
  (text.toDelta() as { insert: unknown }[])
    .map((op) => (typeof op.insert === 'string' ? op.insert : ''))
    .join('');

/** Block elements each become a line; inline text is concatenated. */
function fragmentText(fragment: Y.XmlFragment | Y.XmlElement): string {
  const lines: string[] = [];
  let inline = '';
  for (const child of fragment.toArray()) {
    if (child instanceof Y.XmlText) {
      inline += textOf(child);
    } else if (child instanceof Y.XmlElement) {
      if (inline) lines.push(inline);
      inline = '';
      lines.push(fragmentText(child));
    }
  }
  if (inline) lines.push(inline);
  return lines.filter((l) => l.length > 0).join('\n');
}
