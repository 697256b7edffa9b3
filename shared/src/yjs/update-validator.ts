import * as decoding from 'lib0/decoding';
import { FolioError } from '../errors.js';

/**
 * A strict, allocation-free reader of Yjs V1 updates, run on every update a client sends
 * before Yjs sees it. Yjs trusts its input: a struct count is used to pre-allocate an
 * array (a 64-byte update can ask for hundreds of megabytes), and V2 decoding of crafted
 * bytes can run out of memory. This walks the same grammar as Yjs's
 * `readClientsStructRefs` and `readDeleteSet` but only counts, so hostile input costs
 * time proportional to its length and nothing else. The whole buffer must be consumed:
 * a V2 update (or any trailing garbage) therefore fails, as it should — Hocuspocus and
 * y-websocket speak V1 only.
 */

export interface UpdateSummary {
  /** Highest clock + 1 per client among the structs (what the update would extend to). */
  clockEnds: Map<number, number>;
  structCount: number;
  deleteRangeCount: number;
  /** Where the delete set begins in the update, to read its ranges without the structs. */
  deleteSetOffset: number;
}

export class InvalidUpdateError extends Error {
  override readonly name = 'InvalidUpdateError';
}

/** Lengths beyond this are not something a client produced by editing. */
const MAX_LENGTH = 2 ** 31;
const MAX_CLOCK = 2 ** 48;

const BITS5 = 0b11111;
const BIT6 = 1 << 5;
const BIT7 = 1 << 6;
const BIT8 = 1 << 7;

/** The type refs of Yjs's ContentType; elements and hooks carry a key. */
const TYPE_REF_COUNT = 7;
const TYPE_REF_XML_ELEMENT = 3;
const TYPE_REF_XML_HOOK = 5;

function fail(message: string): never {
  throw new InvalidUpdateError(message);
}

function count(decoder: decoding.Decoder, what: string): number {
  const n = decoding.readVarUint(decoder);
  // Every counted element takes at least one byte, so a count larger than what is left
  // is a lie told to make the reader allocate.
  if (n > decoder.arr.length - decoder.pos) fail(`${what} count ${n} exceeds the remaining bytes`);
  return n;
}

function length(decoder: decoding.Decoder): number {
  const n = decoding.readVarUint(decoder);
  if (n > MAX_LENGTH) fail(`length ${n} out of range`);
  return n;
}

function skipId(decoder: decoding.Decoder): void {
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
}

function json(decoder: decoding.Decoder): void {
  const text = decoding.readVarString(decoder);
  if (text === 'undefined') return;
  JSON.parse(text);
}

/** Skips one item's content and returns its length in clock units. */
function skipContent(decoder: decoding.Decoder, info: number): number {
  switch (info & BITS5) {
    case 1: // ContentDeleted
      return length(decoder);
    case 2: {
      // ContentJSON
      const n = count(decoder, 'JSON');
      for (let i = 0; i < n; i++) json(decoder);
      return n;
    }
    case 3: // ContentBinary
      decoding.readVarUint8Array(decoder);
      return 1;
    case 4: // ContentString: its clock length is the UTF-16 length, as in Yjs.
      return decoding.readVarString(decoder).length;
    case 5: // ContentEmbed
      json(decoder);
      return 1;
    case 6: // ContentFormat
      decoding.readVarString(decoder);
      json(decoder);
      return 1;
    case 7: {
      // ContentType
      const ref = decoding.readVarUint(decoder);
      if (ref >= TYPE_REF_COUNT) fail(`unknown type ref ${ref}`);
      if (ref === TYPE_REF_XML_ELEMENT || ref === TYPE_REF_XML_HOOK) decoding.readVarString(decoder);
      return 1;
    }
    case 8: {
      // ContentAny
      const n = count(decoder, 'any');
      for (let i = 0; i < n; i++) decoding.readAny(decoder);
      return n;
    }
    case 9: // ContentDoc
      decoding.readVarString(decoder);
      decoding.readAny(decoder);
      return 1;
    default:
      return fail(`unknown content ref ${info & BITS5}`);
  }
}

/** Validates a V1 update and summarises it; throws InvalidUpdateError otherwise. */
export function validateUpdateV1(update: Uint8Array): UpdateSummary {
  const decoder = decoding.createDecoder(update);
  const clockEnds = new Map<number, number>();
  let structCount = 0;
  let deleteRangeCount = 0;
  let deleteSetOffset = 0;
  try {
    const clients = count(decoder, 'client');
    for (let c = 0; c < clients; c++) {
      const structs = count(decoder, 'struct');
      const client = decoding.readVarUint(decoder);
      let clock = decoding.readVarUint(decoder);
      for (let s = 0; s < structs; s++) {
        const info = decoding.readUint8(decoder);
        const ref = info & BITS5;
        if (ref === 0 || ref === 10) {
          // GC or Skip: a bare length.
          clock += length(decoder);
        } else {
          if (info & BIT8) skipId(decoder); // origin
          if (info & BIT7) skipId(decoder); // right origin
          if ((info & (BIT7 | BIT8)) === 0) {
            // No origins: the parent is written out, as a root type key or an item id.
            if (decoding.readVarUint(decoder) === 1) decoding.readVarString(decoder);
            else skipId(decoder);
            if (info & BIT6) decoding.readVarString(decoder); // parentSub (map key)
          }
          clock += skipContent(decoder, info);
        }
        if (clock > MAX_CLOCK) fail('clock out of range');
        structCount++;
      }
      if (structs > 0) clockEnds.set(client, Math.max(clockEnds.get(client) ?? 0, clock));
    }
    deleteSetOffset = decoder.pos;
    const dsClients = count(decoder, 'delete-set client');
    for (let c = 0; c < dsClients; c++) {
      decoding.readVarUint(decoder); // client
      const ranges = count(decoder, 'delete range');
      for (let r = 0; r < ranges; r++) {
        const clock = decoding.readVarUint(decoder);
        const len = length(decoder);
        if (clock + len > MAX_CLOCK) fail('delete range out of range');
      }
      deleteRangeCount += ranges;
    }
  } catch (error) {
    if (error instanceof InvalidUpdateError) throw error;
    // lib0 throws plain Errors on truncated input; JSON.parse throws SyntaxError;
    // deeply nested `any` values can overflow the stack (RangeError).
    throw new InvalidUpdateError(`malformed update: ${(error as Error).message}`);
  }
  if (decoder.pos !== update.length) {
    fail(`${update.length - decoder.pos} trailing bytes (not a V1 update)`);
  }
  return { clockEnds, structCount, deleteRangeCount, deleteSetOffset };
}

/**
 * `validateUpdateV1` for an update a caller sent (REST): a failure is the API's 400
 * naming `field`, with the validator's reason. The one place that maps
 * `InvalidUpdateError` to an API error.
 */
export function validateSubmittedUpdate(update: Uint8Array, field = 'body'): UpdateSummary {
  try {
    return validateUpdateV1(update);
  } catch (error) {
    if (!(error instanceof InvalidUpdateError)) throw error;
    throw new FolioError('BAD_REQUEST', `not a valid Yjs V1 update: ${error.message}`, { field });
  }
}

/** Whether the update carries structs the document (given its state vector) lacks. */
export function hasNewStructs(summary: UpdateSummary, stateVector: Map<number, number>): boolean {
  for (const [client, end] of summary.clockEnds) {
    if (end > (stateVector.get(client) ?? 0)) return true;
  }
  return false;
}
