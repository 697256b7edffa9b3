/**
 * Structural validation of an untrusted Yjs update (format V1) before any Yjs code
 * decodes it. Yjs trusts the counts in an update: a forged struct count makes it
 * preallocate hundreds of megabytes, so every count here must be backed by the bytes
 * that are actually left. The walk allocates nothing proportional to a claimed count
 * and touches every byte once. V2 updates are not accepted at all.
 */

export class InvalidUpdateError extends Error {
  override readonly name = 'InvalidUpdateError';
}

const MAX_ANY_DEPTH = 64;

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  byte(): number {
    const value = this.bytes[this.pos];
    if (value === undefined) throw new InvalidUpdateError('unexpected end of update');
    this.pos++;
    return value;
  }

  varUint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) break;
        return result;
      }
      multiplier *= 128;
    }
    throw new InvalidUpdateError('variable-length integer too long');
  }

  varInt(): void {
    // Sign bit in the first byte, then the same continuation scheme.
    let b = this.byte();
    for (let i = 0; b & 0x80; i++) {
      if (i > 8) throw new InvalidUpdateError('variable-length integer too long');
      b = this.byte();
    }
  }

  skip(n: number): void {
    if (n > this.remaining) throw new InvalidUpdateError('length beyond end of update');
    this.pos += n;
  }

  /** A count of items each taking at least `minBytes`: bounded by what is left. */
  count(minBytes = 1): number {
    const n = this.varUint();
    if (n * minBytes > this.remaining) throw new InvalidUpdateError('count exceeds the update size');
    return n;
  }

  string(): string {
    const length = this.varUint();
    if (length > this.remaining) throw new InvalidUpdateError('string beyond end of update');
    const text = new TextDecoder('utf-8', { fatal: false }).decode(
      this.bytes.subarray(this.pos, this.pos + length),
    );
    this.pos += length;
    return text;
  }

  json(): void {
    const text = this.string();
    if (text === 'undefined') return;
    try {
      JSON.parse(text);
    } catch {
      throw new InvalidUpdateError('malformed JSON content');
    }
  }

  /** lib0's `writeAny` encoding. */
  any(depth = 0): void {
    if (depth > MAX_ANY_DEPTH) throw new InvalidUpdateError('content nested too deeply');
    const type = this.byte();
    switch (type) {
      case 127: // undefined
      case 126: // null
      case 121: // false
      case 120: // true
        return;
      case 125:
        this.varInt();
        return;
      case 124:
        this.skip(4);
        return;
      case 123:
      case 122:
        this.skip(8);
        return;
      case 119:
        this.string();
        return;
      case 118: {
        const n = this.count(2);
        for (let i = 0; i < n; i++) {
          this.string();
          this.any(depth + 1);
        }
        return;
      }
      case 117: {
        const n = this.count(1);
        for (let i = 0; i < n; i++) this.any(depth + 1);
        return;
      }
      case 116:
        this.skip(this.varUint());
        return;
      default:
        throw new InvalidUpdateError(`unknown content type ${type}`);
    }
  }
}

const BITS5 = 0x1f;
const BIT6 = 0x20;
const BIT7 = 0x40;
const BIT8 = 0x80;
const XML_ELEMENT = 3;
const XML_HOOK = 5;
const MAX_TYPE_REF = 6;

function readItemContent(r: Reader, contentRef: number): void {
  switch (contentRef) {
    case 1: // deleted
      r.varUint();
      return;
    case 2: {
      // JSON
      const n = r.count(1);
      for (let i = 0; i < n; i++) r.json();
      return;
    }
    case 3: // binary
      r.skip(r.varUint());
      return;
    case 4: // string
      r.string();
      return;
    case 5: // embed
      r.json();
      return;
    case 6: // format
      r.string();
      r.json();
      return;
    case 7: {
      // type
      const typeRef = r.varUint();
      if (typeRef > MAX_TYPE_REF) throw new InvalidUpdateError(`unknown shared type ${typeRef}`);
      if (typeRef === XML_ELEMENT || typeRef === XML_HOOK) r.string();
      return;
    }
    case 8: {
      // any
      const n = r.count(1);
      for (let i = 0; i < n; i++) r.any();
      return;
    }
    case 9: // subdocument
      r.string();
      r.any();
      return;
    default:
      throw new InvalidUpdateError(`unknown item content ${contentRef}`);
  }
}

export interface UpdateSummary {
  clients: number;
  structs: number;
  deletions: number;
}

/** Throws InvalidUpdateError unless `update` is a well-formed Yjs V1 update. */
export function validateUpdate(update: Uint8Array): UpdateSummary {
  const r = new Reader(update);
  let structs = 0;
  // Every client block takes at least 3 bytes (struct count, client, clock).
  const clients = r.count(3);
  for (let c = 0; c < clients; c++) {
    const numStructs = r.count(2);
    r.varUint(); // client id
    r.varUint(); // clock
    for (let s = 0; s < numStructs; s++) {
      const info = r.byte();
      const contentRef = info & BITS5;
      if (contentRef === 0 || contentRef === 10) {
        r.varUint(); // GC or skip: a length
        structs++;
        continue;
      }
      if (info & BIT8) {
        r.varUint();
        r.varUint();
      }
      if (info & BIT7) {
        r.varUint();
        r.varUint();
      }
      if ((info & (BIT7 | BIT8)) === 0) {
        // Parent: a root type's name, or the id of the parent item.
        if (r.varUint() === 1) r.string();
        else {
          r.varUint();
          r.varUint();
        }
        if (info & BIT6) r.string();
      }
      readItemContent(r, contentRef);
      structs++;
    }
  }
  // Delete set.
  let deletions = 0;
  const deleteClients = r.count(2);
  for (let c = 0; c < deleteClients; c++) {
    r.varUint();
    const ranges = r.count(2);
    for (let i = 0; i < ranges; i++) {
      r.varUint();
      r.varUint();
      deletions++;
    }
  }
  if (r.remaining !== 0) throw new InvalidUpdateError('trailing bytes after the update');
  return { clients, structs, deletions };
}
