import * as Y from 'yjs';

/**
 * Reading a document without an editor schema. A document loaded from updates alone
 * knows its top-level names but not their types (Yjs materialises them as a bare
 * AbstractType until someone asks for `getText`, `getXmlFragment`, …), so the type is
 * inferred from the content of each root and then materialised with the right class.
 */

export type RootKind = 'text' | 'xml' | 'map' | 'array';

function inferKind(type: Y.AbstractType<any>): RootKind | undefined {
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.XmlFragment) return 'xml';
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Array) return 'array';
  let sawItem = false;
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted) sawItem = true;
    const content = item.content;
    if (
      content instanceof Y.ContentString ||
      content instanceof Y.ContentFormat ||
      content instanceof Y.ContentEmbed
    ) {
      return 'text';
    }
    if (content instanceof Y.ContentType) {
      const child = content.type;
      if (child instanceof Y.XmlElement || child instanceof Y.XmlText || child instanceof Y.XmlHook) {
        return 'xml';
      }
    }
  }
  if (sawItem) return 'array';
  if (type._map.size > 0) return 'map';
  return undefined;
}

/** Every top-level type with its kind, materialised; empty roots are left out. */
export function rootTypes(doc: Y.Doc): { name: string; kind: RootKind; type: Y.AbstractType<any> }[] {
  const roots: { name: string; kind: RootKind; type: Y.AbstractType<any> }[] = [];
  for (const name of [...doc.share.keys()].sort()) {
    const bare = doc.share.get(name);
    if (!bare) continue;
    const kind = inferKind(bare);
    if (!kind) continue;
    const type =
      kind === 'text'
        ? doc.getText(name)
        : kind === 'xml'
          ? doc.getXmlFragment(name)
          : kind === 'map'
            ? doc.getMap(name)
            : doc.getArray(name);
    roots.push({ name, kind, type });
  }
  return roots;
}

const BLOCK_SEPARATOR = '\n';

function xmlText(node: Y.XmlElement | Y.XmlFragment): string {
  const blocks: string[] = [];
  let inline = '';
  for (const child of node.toArray()) {
    if (child instanceof Y.XmlText) {
      inline += child
        .toDelta()
        .map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : ''))
        .join('');
    } else if (child instanceof Y.XmlElement) {
      if (inline) {
        blocks.push(inline);
        inline = '';
      }
      blocks.push(xmlText(child));
    }
  }
  if (inline) blocks.push(inline);
  return blocks.join(BLOCK_SEPARATOR);
}

/**
 * The one plain-text reading of a document, for `GET …/content?format=text` and the
 * search index alike: every top-level Y.Text and Y.XmlFragment in name order, separated
 * by a blank line; in a fragment each block element is a line and inline text is
 * concatenated. Empty blocks stay (an empty paragraph is an empty line), so text written
 * with `PUT …/content {text}` reads back exactly.
 *
 * Only text and XML roots are materialised (`getText`/`getXmlFragment` of the kind they
 * already hold): this also reads the collaboration server's live documents, where
 * turning a bare root into a map or array would fix its type for every later reader.
 * Roots with no live content are left out, so a live document and the same state
 * reloaded from bytes (where such roots have no type at all) read the same.
 */
export function documentText(doc: Y.Doc): string {
  const parts: string[] = [];
  for (const name of [...doc.share.keys()].sort()) {
    const bare = doc.share.get(name);
    if (!bare || bare._length === 0) continue;
    const kind = inferKind(bare);
    if (kind === 'text') parts.push(doc.getText(name).toString());
    else if (kind === 'xml') parts.push(xmlText(doc.getXmlFragment(name)));
  }
  return parts.join('\n\n');
}

export interface ProseMirrorNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: ProseMirrorNode[];
  text?: string;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
}

function marksOf(attributes: Record<string, unknown> | undefined) {
  if (!attributes) return undefined;
  const marks = Object.entries(attributes).map(([type, value]) =>
    value !== null && typeof value === 'object' && Object.keys(value).length > 0
      ? { type, attrs: value as Record<string, unknown> }
      : { type },
  );
  return marks.length > 0 ? marks : undefined;
}

function xmlNodeJson(node: Y.XmlElement | Y.XmlText | Y.XmlHook): ProseMirrorNode[] {
  if (node instanceof Y.XmlText) {
    return node
      .toDelta()
      .filter((op: { insert?: unknown }) => typeof op.insert === 'string' && op.insert.length > 0)
      .map((op: { insert: string; attributes?: Record<string, unknown> }) => {
        const marks = marksOf(op.attributes);
        return { type: 'text', text: op.insert, ...(marks ? { marks } : {}) };
      });
  }
  if (node instanceof Y.XmlElement) {
    const attrs = node.getAttributes() as Record<string, unknown>;
    const content = node.toArray().flatMap((child) => xmlNodeJson(child as Y.XmlElement | Y.XmlText));
    return [
      {
        type: node.nodeName,
        ...(Object.keys(attrs).length > 0 ? { attrs } : {}),
        ...(content.length > 0 ? { content } : {}),
      },
    ];
  }
  return [];
}

/** ProseMirror-style JSON (`{type: 'doc', content}`) of an XML fragment, as y-prosemirror maps it. */
export function fragmentJson(fragment: Y.XmlFragment): ProseMirrorNode {
  return {
    type: 'doc',
    content: fragment.toArray().flatMap((child) => xmlNodeJson(child as Y.XmlElement | Y.XmlText)),
  };
}

/** JSON per top-level type: text as a string, XML as ProseMirror JSON, maps and arrays as JSON. */
export function documentJson(doc: Y.Doc): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const { name, kind, type } of rootTypes(doc)) {
    result[name] =
      kind === 'text'
        ? (type as Y.Text).toString()
        : kind === 'xml'
          ? fragmentJson(type as Y.XmlFragment)
          : type.toJSON();
  }
  return result;
}
