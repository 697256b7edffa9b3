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
 * are aligned first (a shortest edit script over equal blocks, Myers' algorithm), the
 * blocks between two aligned ones are paired by type and text similarity, in order;
 * paired blocks are updated in place with y-prosemirror's `updateYFragment`
 * (attributes, then a text diff of their content), unpaired ones deleted or inserted.
 * Beyond `MAX_EDITS` block edits it falls back to y-prosemirror's mapping.
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

/** Block edits (insertions plus deletions) aligned at most; more fall back to y-prosemirror. */
const MAX_EDITS = 2_000;

/** Pairing work (cells of its dynamic programme) allowed per run of changed blocks. */
const MAX_ALIGNED_CELLS = 1_000_000;

/** Blocks of two texts below this similarity are never paired (one deleted, one inserted). */
const MIN_SIMILARITY = 0.3;

function childrenOf(node: ProseMirrorNode): ProseMirrorNode[] {
  return Array.from({ length: node.childCount }, (_, i) => node.child(i));
}

/** The steps turning blocks `from` into `to`, in order; undefined when too costly. */
export function alignBlocks(from: ProseMirrorNode[], to: ProseMirrorNode[]): Step[] | undefined {
  const key = (node: ProseMirrorNode) => JSON.stringify(node.toJSON());
  const script = editScript(from.map(key), to.map(key), MAX_EDITS);
  if (!script) return undefined;
  // Between two kept blocks, a run of removed and added blocks is paired up.
  const keep: Step = { op: 'keep' };
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  let removed: ProseMirrorNode[] = [];
  let added: ProseMirrorNode[] = [];
  const flush = () => {
    if (removed.length > 0 || added.length > 0) steps.push(...pairRun(removed, added));
    removed = [];
    added = [];
  };
  for (const op of script) {
    if (op === 'keep') {
      flush();
      steps.push(keep);
      i++;
      j++;
    } else if (op === 'delete') {
      removed.push(from[i++] as ProseMirrorNode);
    } else {
      added.push(to[j++] as ProseMirrorNode);
    }
  }
  flush();
  return steps;
}

/**
 * A shortest edit script from `a` to `b` (Myers' O((N+M)·D) algorithm: linear for the
 * few edits a write usually makes to a long document), or undefined beyond `maxEdits`.
 */
function editScript(
  a: string[],
  b: string[],
  maxEdits: number,
): ('keep' | 'delete' | 'insert')[] | undefined {
  const n = a.length;
  const m = b.length;
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  // v after each round d, for diagonals -d…d: what the walk back needs.
  const rounds: Int32Array[] = [];
  for (let d = 0; d <= Math.min(n + m, maxEdits); d++) {
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        rounds.push(v.slice(offset - d, offset + d + 1));
        return walkBack(rounds, n, m);
      }
    }
    rounds.push(v.slice(offset - d, offset + d + 1));
  }
  return undefined;
}

function walkBack(rounds: Int32Array[], n: number, m: number): ('keep' | 'delete' | 'insert')[] {
  const script: ('keep' | 'delete' | 'insert')[] = [];
  let x = n;
  let y = m;
  for (let d = rounds.length - 1; d > 0; d--) {
    const previous = rounds[d - 1] as Int32Array;
    const at = (k: number) => previous[k + d - 1] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      script.push('keep');
      x--;
      y--;
    }
    if (down) {
      script.push('insert');
      y--;
    } else {
      script.push('delete');
      x--;
    }
  }
  while (x > 0 && y > 0) {
    script.push('keep');
    x--;
    y--;
  }
  return script.reverse();
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
