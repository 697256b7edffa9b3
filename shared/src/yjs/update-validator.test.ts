import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { hasNewStructs, InvalidUpdateError, validateUpdateV1 } from './update-validator.js';

function richDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, 'héllo 👋 world');
  doc.getText('text').format(0, 5, { bold: true });
  doc.getText('text').insertEmbed(3, { image: 'x.png' });
  doc.getText('text').delete(1, 2);
  doc.getMap('map').set('n', 1);
  doc.getMap('map').set('nested', new Y.Map());
  doc.getMap('map').set('bin', new Uint8Array([1, 2, 3]));
  doc.getArray('array').insert(0, [1, 'two', { three: [3] }, null, true]);
  const xml = doc.getXmlFragment('prosemirror');
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText('para')]);
  xml.insert(0, [p]);
  (xml as unknown as Y.XmlElement).insert(1, [new Y.XmlHook('hook') as unknown as Y.XmlElement]);
  doc.getMap('map').set('sub', new Y.Doc());
  return doc;
}

/** The 64-byte shape from STACK-NOTES: one client whose struct count is a lie. */
function forgedStructCount(): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 50_000_000); // "structs"
  encoding.writeVarUint(e, 42); // client
  encoding.writeVarUint(e, 0); // clock
  for (let i = 0; i < 57; i++) encoding.writeUint8(e, 0);
  return encoding.toUint8Array(e);
}

describe('validateUpdateV1', () => {
  it('accepts real updates of every content kind and summarises their clocks', () => {
    const doc = richDoc();
    const update = Y.encodeStateAsUpdate(doc);
    const summary = validateUpdateV1(update);
    expect(summary.clockEnds).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
    expect(summary.deleteRangeCount).toBeGreaterThan(0);
    const empty = new Y.Doc();
    expect(hasNewStructs(summary, Y.decodeStateVector(Y.encodeStateVector(empty)))).toBe(true);
    expect(hasNewStructs(summary, Y.decodeStateVector(Y.encodeStateVector(doc)))).toBe(false);
    // Incremental updates, as providers send them.
    const updates: Uint8Array[] = [];
    const live = new Y.Doc();
    live.on('update', (u: Uint8Array) => updates.push(u));
    live.getText('t').insert(0, 'abc');
    live.getText('t').delete(0, 1);
    live.getMap('m').set('k', 'v');
    for (const u of updates) expect(() => validateUpdateV1(u)).not.toThrow();
    expect(() => validateUpdateV1(new Uint8Array([0, 0]))).not.toThrow();
  });

  it('rejects a forged struct count without allocating', () => {
    const before = process.memoryUsage().heapUsed;
    expect(forgedStructCount().byteLength).toBe(64);
    expect(() => validateUpdateV1(forgedStructCount())).toThrow(InvalidUpdateError);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('rejects V2-encoded updates, truncation and trailing bytes', () => {
    const doc = richDoc();
    expect(() => validateUpdateV1(Y.encodeStateAsUpdateV2(doc))).toThrow(InvalidUpdateError);
    const small = new Y.Doc();
    small.getText('t').insert(0, 'x');
    expect(() => validateUpdateV1(Y.encodeStateAsUpdateV2(small))).toThrow(InvalidUpdateError);
    const v1 = Y.encodeStateAsUpdate(doc);
    expect(() => validateUpdateV1(v1.slice(0, v1.length - 3))).toThrow(InvalidUpdateError);
    expect(() => validateUpdateV1(new Uint8Array([...v1, 0]))).toThrow(InvalidUpdateError);
    expect(() => validateUpdateV1(new Uint8Array([]))).toThrow(InvalidUpdateError);
    // A huge delete-range count and a huge length.
    expect(() => validateUpdateV1(new Uint8Array([0, 1, 1, 0xff, 0xff, 0xff, 0x7f]))).toThrow(
      InvalidUpdateError,
    );
    expect(() => validateUpdateV1(new Uint8Array([1, 1, 1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0]))).toThrow(
      InvalidUpdateError,
    );
  });

  it('only ever throws InvalidUpdateError on random bytes', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 5_000; i++) {
      const bytes = new Uint8Array(1 + (random() % 64));
      for (let j = 0; j < bytes.length; j++) bytes[j] = random() & 0xff;
      try {
        validateUpdateV1(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidUpdateError);
      }
    }
  });
});
