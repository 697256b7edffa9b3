import * as Y from 'yjs';
import { type RootKind, rootTypes } from './content.js';

/**
 * Turning one document into another *as a new change*: every top-level type of `doc`
 * is edited until it holds what the same type of `target` holds. The caller records
 * the update Yjs emits for this transaction; it is an ordinary update, so clients that
 * apply it keep their history and later edits merge with it.
 *
 * Why not apply an old snapshot or an inverse of the log: a Yjs update can only add
 * structs and deletions, never resurrect deleted ones, so "going back" has to insert
 * the old content again. Unchanged leading and trailing parts (characters of a text,
 * children of an XML fragment, map keys) are left alone, so cursors and concurrent
 * edits there survive; the differing middle is replaced.
 */
export function transferDocumentState(doc: Y.Doc, target: Y.Doc, origin: unknown): void {
  const current = new Map(rootTypes(doc).map((r) => [r.name, r]));
  const wanted = new Map(rootTypes(target).map((r) => [r.name, r]));
  doc.transact(() => {
    for (const [name, root] of current) {
      if (wanted.get(name)?.kind !== root.kind) clearRoot(root.kind, root.type);
    }
    for (const [name, { kind, type }] of wanted) {
      const into = materialize(doc, name, kind);
      if (into) copyInto(kind, into, type);
    }
  }, origin);
}

/** The root `name` of `doc` as `kind`; undefined when it already holds another kind. */
function materialize(doc: Y.Doc, name: string, kind: RootKind): Y.AbstractType<any> | undefined {
  const existing = doc.share.get(name);
  const constructors = { text: Y.Text, xml: Y.XmlFragment, map: Y.Map, array: Y.Array } as const;
  // A root of another concrete class cannot change type (it was cleared above).
  if (existing && existing.constructor !== Y.AbstractType && !(existing instanceof constructors[kind])) {
    return undefined;
  }
  if (kind === 'text') return doc.getText(name);
  if (kind === 'xml') return doc.getXmlFragment(name);
  if (kind === 'map') return doc.getMap(name);
  return doc.getArray(name);
}

function clearRoot(kind: RootKind, type: Y.AbstractType<any>): void {
  if (kind === 'map') {
    const map = type as Y.Map<unknown>;
    for (const key of [...map.keys()]) map.delete(key);
  } else if (kind === 'text') {
    const text = type as Y.Text;
    if (text.length > 0) text.delete(0, text.length);
  } else {
    const list = type as Y.Array<unknown> | Y.XmlFragment;
    if (list.length > 0) list.delete(0, list.length);
  }
}

/** A value of another document, made insertable here: shared types are deep-copied. */
const copyValue = (value: unknown): unknown => (value instanceof Y.AbstractType ? value.clone() : value);

function copyInto(kind: RootKind, into: Y.AbstractType<any>, from: Y.AbstractType<any>): void {
  if (kind === 'text') copyText(into as Y.Text, from as Y.Text);
  else if (kind === 'map') copyMap(into as Y.Map<unknown>, from as Y.Map<unknown>);
  else copyList(into as Y.Array<unknown> | Y.XmlFragment, from as Y.Array<unknown> | Y.XmlFragment);
}

type DeltaOp = { insert?: unknown; attributes?: Record<string, unknown> };

function copyText(into: Y.Text, from: Y.Text): void {
  const wanted = from.toDelta() as DeltaOp[];
  const have = into.toDelta() as DeltaOp[];
  if (JSON.stringify(wanted) === JSON.stringify(have)) return;
  const plain = (ops: DeltaOp[]) => ops.every((op) => typeof op.insert === 'string' && !op.attributes);
  if (plain(wanted) && plain(have)) {
    replaceMiddle(into.toString(), from.toString(), (start, removed, inserted) => {
      if (removed > 0) into.delete(start, removed);
      if (inserted) into.insert(start, inserted);
    });
    return;
  }
  // Formatting or embeds: rewrite the whole text (attributes are part of the content).
  if (into.length > 0) into.delete(0, into.length);
  into.applyDelta(wanted.map((op) => ({ ...op, insert: copyValue(op.insert) })));
}

function copyMap(into: Y.Map<unknown>, from: Y.Map<unknown>): void {
  for (const key of [...into.keys()]) if (!from.has(key)) into.delete(key);
  for (const [key, value] of from.entries()) {
    const mine = into.get(key);
    if (value instanceof Y.AbstractType) {
      if (
        !(mine instanceof Y.AbstractType) ||
        JSON.stringify(mine.toJSON()) !== JSON.stringify(value.toJSON())
      ) {
        into.set(key, value.clone());
      }
    } else if (mine instanceof Y.AbstractType || JSON.stringify(mine) !== JSON.stringify(value)) {
      into.set(key, value);
    }
  }
}

/** Identity of a list element for diffing: its serialisation (XML with attributes and marks). */
const fingerprint = (value: unknown): string =>
  value instanceof Y.XmlElement || value instanceof Y.XmlText || value instanceof Y.XmlHook
    ? `${value.constructor.name}:${value.toString()}`
    : value instanceof Y.AbstractType
      ? `${value.constructor.name}:${JSON.stringify(value.toJSON())}`
      : `value:${JSON.stringify(value)}`;

function copyList(into: Y.Array<unknown> | Y.XmlFragment, from: Y.Array<unknown> | Y.XmlFragment): void {
  const have = into.toArray() as unknown[];
  const wanted = from.toArray() as unknown[];
  replaceMiddle(have.map(fingerprint), wanted.map(fingerprint), (start, removed) => {
    if (removed > 0) into.delete(start, removed);
    const inserted = wanted.slice(start, wanted.length - (have.length - start - removed)).map(copyValue);
    if (inserted.length > 0) (into as Y.Array<unknown>).insert(start, inserted as never[]);
  });
}

/**
 * Finds the common prefix and suffix of two sequences and reports the differing middle:
 * `removed` elements of `have` at `start` are replaced by the middle of `wanted`.
 */
function replaceMiddle<T extends string | readonly string[]>(
  have: T,
  wanted: T,
  apply: (start: number, removed: number, inserted: T) => void,
): void {
  let start = 0;
  while (start < have.length && start < wanted.length && have[start] === wanted[start]) start++;
  let end = 0;
  while (
    end < have.length - start &&
    end < wanted.length - start &&
    have[have.length - 1 - end] === wanted[wanted.length - 1 - end]
  ) {
    end++;
  }
  if (start === have.length && start === wanted.length) return;
  apply(start, have.length - start - end, wanted.slice(start, wanted.length - end) as T);
}
