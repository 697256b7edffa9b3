import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { prosemirrorToYXmlFragment, updateYFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror';
import * as Y from 'yjs';

/**
 * Writes a ProseMirror document into an XML fragment as the smallest change block by
 * block, so that edits others make concurrently (merged by Yjs) survive.
 *
 * y-prosemirror's own `prosemirrorToYXmlFragment` keeps the equal blocks at both ends
 * and then pairs the remaining ones by position: with a block removed and another one
 * edited in between, it rewrites the wrong blocks and deletes one the caller never
 * touched — with whatever someone typed into it meanwhile. Here the top-level blocks
 * are aligned first (longest common subsequence of equal blocks), the blocks between
 * two aligned ones are paired by type and text similarity, in order; paired blocks are
 * updated in place with y-prosemirror's `updateYFragment` (attributes, then a text diff
 * of their content), unpaired ones deleted or inserted. Beyond `MAX_ALIGNED_CELLS` of
 * alignment work it falls back to y-prosemirror's mapping.
 */
export function writeBlocks(fragment: Y.XmlFragment, next: ProseMirrorNode): void {
  // Drops elements the schema does not know from the fragment (as y-prosemirror's
  // mapping does), so the remaining children line up with the nodes read.
  const current = yXmlFragmentToProseMirrorRootNode(fragment, next.type.schema);
  const doc = fragment.doc;
  const steps =
    doc && fragment.length === current.childCount
      ? alignBlocks(childrenOf(current), childrenOf(next))
      : undefined;
  if (!doc || !steps) {
    prosemirrorToYXmlFragment(next, fragment);
    return;
  }
  const meta = { mapping: new Map(), isOMark: new Map() };
  let index = 0;
  for (const step of steps) {
    if (step.op === 'keep') {
      index++;
    } else if (step.op === 'delete') {
      fragment.delete(index, 1);
    } else if (step.op === 'update') {
      updateYFragment(doc, fragment.get(index) as unknown as Y.XmlFragment, step.node, meta);
      index++;
    } else {
      const element = new Y.XmlElement(step.node.type.name);
      fragment.insert(index, [element]);
      updateYFragment(doc, element as unknown as Y.XmlFragment, step.node, meta);
      index++;
    }
  }
}

type Step =
  | { op: 'keep' }
  | { op: 'delete' }
  | { op: 'update'; node: ProseMirrorNode }
  | { op: 'insert'; node: ProseMirrorNode };

/** Alignment work (cells of the dynamic programme) allowed per write. */
const MAX_ALIGNED_CELLS = 1_000_000;

/** Blocks of two texts below this similarity are never paired (one deleted, one inserted). */
const MIN_SIMILARITY = 0.3;

function childrenOf(node: ProseMirrorNode): ProseMirrorNode[] {
  return Array.from({ length: node.childCount }, (_, i) => node.child(i));
}

/** The steps turning blocks `from` into `to`, in order; undefined when too costly. */
export function alignBlocks(from: ProseMirrorNode[], to: ProseMirrorNode[]): Step[] | undefined {
  let prefix = 0;
  while (
    prefix < from.length &&
    prefix < to.length &&
    (from[prefix] as ProseMirrorNode).eq(to[prefix] as ProseMirrorNode)
  ) {
    prefix++;
  }
  let suffix = 0;
  while (
    suffix < from.length - prefix &&
    suffix < to.length - prefix &&
    (from[from.length - 1 - suffix] as ProseMirrorNode).eq(to[to.length - 1 - suffix] as ProseMirrorNode)
  ) {
    suffix++;
  }
  const a = from.slice(prefix, from.length - suffix);
  const b = to.slice(prefix, to.length - suffix);
  if ((a.length + 1) * (b.length + 1) > MAX_ALIGNED_CELLS) return undefined;
  const keep: Step = { op: 'keep' };
  const steps: Step[] = new Array<Step>(prefix).fill(keep);
  // Longest common subsequence of equal blocks; between two kept blocks, a run of
  // removed and added blocks is paired up by similarity.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = (a[i] as ProseMirrorNode).eq(b[j] as ProseMirrorNode)
        ? (lengths[(i + 1) * width + j + 1] as number) + 1
        : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
    }
  }
  let i = 0;
  let j = 0;
  let removed: ProseMirrorNode[] = [];
  let added: ProseMirrorNode[] = [];
  const flush = () => {
    steps.push(...pairRun(removed, added));
    removed = [];
    added = [];
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && (a[i] as ProseMirrorNode).eq(b[j] as ProseMirrorNode)) {
      flush();
      steps.push(keep);
      i++;
      j++;
    } else if (
      j >= b.length ||
      (i < a.length && (lengths[(i + 1) * width + j] as number) >= (lengths[i * width + j + 1] as number))
    ) {
      removed.push(a[i++] as ProseMirrorNode);
    } else {
      added.push(b[j++] as ProseMirrorNode);
    }
  }
  flush();
  for (let k = 0; k < suffix; k++) steps.push(keep);
  return steps;
}

/** Pairs removed with added blocks (same type, order kept, most similar text overall). */
function pairRun(removed: ProseMirrorNode[], added: ProseMirrorNode[]): Step[] {
  if (removed.length === 0 || added.length === 0 || removed.length * added.length > MAX_ALIGNED_CELLS) {
    return [
      ...removed.map((): Step => ({ op: 'delete' })),
      ...added.map((node): Step => ({ op: 'insert', node })),
    ];
  }
  const width = added.length + 1;
  const score = new Float64Array((removed.length + 1) * width);
  // One block replaced by one of its type is that block edited, however much changed.
  const single = removed.length === 1 && added.length === 1;
  const similar = (x: ProseMirrorNode, y: ProseMirrorNode) =>
    x.type !== y.type ? 0 : single ? 1 : similarity(x.textContent, y.textContent);
  for (let i = removed.length - 1; i >= 0; i--) {
    for (let j = added.length - 1; j >= 0; j--) {
      const s = similar(removed[i] as ProseMirrorNode, added[j] as ProseMirrorNode);
      score[i * width + j] = Math.max(
        score[(i + 1) * width + j] as number,
        score[i * width + j + 1] as number,
        s >= MIN_SIMILARITY ? (score[(i + 1) * width + j + 1] as number) + s : 0,
      );
    }
  }
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < removed.length && j < added.length) {
    const s = similar(removed[i] as ProseMirrorNode, added[j] as ProseMirrorNode);
    const here = score[i * width + j] as number;
    if (s >= MIN_SIMILARITY && here === (score[(i + 1) * width + j + 1] as number) + s) {
      steps.push({ op: 'update', node: added[j] as ProseMirrorNode });
      i++;
      j++;
    } else if (here === (score[(i + 1) * width + j] as number)) {
      steps.push({ op: 'delete' });
      i++;
    } else {
      steps.push({ op: 'insert', node: added[j] as ProseMirrorNode });
      j++;
    }
  }
  for (; i < removed.length; i++) steps.push({ op: 'delete' });
  for (; j < added.length; j++) steps.push({ op: 'insert', node: added[j] as ProseMirrorNode });
  return steps;
}

/**
 * Dice coefficient of the texts' character bigrams: 1 for equal texts, 0 for nothing
 * shared, and robust to edits at both ends (a word replaced at the start and another
 * appended at the end still leave most of a paragraph's bigrams).
 */
function similarity(x: string, y: string): number {
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const bigrams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) {
    const bigram = x.slice(i, i + 2);
    bigrams.set(bigram, (bigrams.get(bigram) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const bigram = y.slice(i, i + 2);
    const left = bigrams.get(bigram) ?? 0;
    if (left > 0) {
      shared++;
      bigrams.set(bigram, left - 1);
    }
  }
  return (2 * shared) / (x.length - 1 + y.length - 1);
}
