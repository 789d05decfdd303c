// Interning of byte strings to dense numbers 0, 1, 2 …: claim ids (ByteInterner, also to find the
// repeated ones) and person-years (TaggedInterner). The strings live in an Arena (columns.ts); the
// hash tables are open addressing over Int32Arrays (Slots), at most 0.7 full.
import { Arena, U16, U32 } from './columns';
import { BulkUnsupported } from './unsupported';

/** FNV-1a over bytes, seeded. */
export function hashBytes(b: Uint8Array, start: number, end: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = start; i < end; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Longest string the interner keeps (bytes); longer ones make the bulk path hand the run back. */
export const MAX_KEY_BYTES = 4096;

/** An id of `len` bytes in this column: past MAX_KEY_BYTES, the bulk path hands the run back (settleLedger takes it). */
export function checkKey(len: number, column: 'claim_id' | 'person_id'): void {
  if (len > MAX_KEY_BYTES) throw new BulkUnsupported(`${column} too long`);
}

/**
 * Open addressing for the interners: slots of two Int32 (a value ≥ 0, or −1 for an empty slot; its
 * hash, compared first), at most 0.7 full, doubled when fuller.
 */
class Slots {
  table: Int32Array;

  /** sizeHint: about how many values to expect. */
  constructor(sizeHint: number) {
    // as many slots as the hint needs at most 0.7 full, not the next power of two: that would be up
    // to twice the memory (for 2 million claim ids, 32 MB instead of 24 MB)
    this.table = new Int32Array(2 * Math.max(4096, Math.min(1 << 27, Math.ceil(sizeHint / 0.7)))).fill(-1);
  }

  /** The first slot to look in for hash h (h's unsigned value scaled down to the table). */
  first(h: number): number {
    const slots = this.table.length >> 1;
    const slot = Math.floor((h >>> 0) * (slots / 4294967296));
    return slot < slots ? slot : slots - 1; // rounding can reach `slots` itself
  }

  /** Value and hash into the empty slot found; `count`: values held now (the table grows past 0.7 full). */
  put(slot: number, value: number, h: number, count: number): void {
    this.table[slot << 1] = value;
    this.table[(slot << 1) + 1] = h;
    if (count > (this.table.length >> 1) * 0.7) this.grow();
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    const slots = this.table.length >> 1;
    for (let o = 0; o < old.length; o += 2) {
      if (old[o] < 0) continue;
      let slot = this.first(old[o + 1]);
      while (this.table[slot << 1] >= 0) if (++slot === slots) slot = 0;
      this.table[slot << 1] = old[o];
      this.table[(slot << 1) + 1] = old[o + 1];
    }
  }

  /** Free the table once no more values will be looked up. */
  drop(): void {
    this.table = new Int32Array(2).fill(-1);
  }
}

/**
 * Interning of byte strings (claim ids) to dense numbers 0, 1, 2 … The strings live in an Arena, each
 * string's place and length in columns by number (read in order when the results are written), the
 * slots hold the numbers. About 6 bytes per string besides the string itself and the table (1.4 to
 * 2.9 slots of 8 bytes).
 */
export class ByteInterner {
  readonly arena: Arena;
  readonly off: U32;
  readonly len: U16;
  private readonly slots: Slots;
  size = 0;
  lastWasNew = false;

  /** sizeHint: about how many strings to expect (sizes the table and the arena's blocks once instead of growing them). */
  constructor(sizeHint = 0, sharedMem = false, arenaBits = arenaBitsFor(sizeHint)) {
    this.arena = new Arena(sharedMem, arenaBits);
    this.off = new U32(sharedMem);
    this.len = new U16(sharedMem);
    this.slots = new Slots(sizeHint);
  }

  /** Keep this string under a new number without looking it up (lastWasNew: true). */
  append(src: Uint8Array, start: number, end: number): number {
    const k = this.size++;
    this.off.set(k, this.arena.add(src, start, end));
    this.len.set(k, end - start);
    this.lastWasNew = true;
    return k;
  }

  /** String k's bytes, decoded. */
  text(k: number, dec: { decode(bytes: Uint8Array): string }): string {
    const off = this.off.get(k), at = this.arena.at(off);
    return dec.decode(this.arena.block(off).subarray(at, at + this.len.get(k)));
  }

  /**
   * The number of this string (end − start ≤ MAX_KEY_BYTES), and in lastWasNew whether it was new. h:
   * its hash (hashOf), if known already.
   */
  intern(src: Uint8Array, start: number, end: number, h = ByteInterner.hashOf(src, start, end)): number {
    const table = this.slots.table;
    const n = table.length >> 1;
    let slot = this.slots.first(h);
    for (;;) {
      const k = table[slot << 1];
      if (k < 0) break;
      if (table[(slot << 1) + 1] === h && this.arena.equals(this.off.get(k), this.len.get(k), src, start, end)) {
        this.lastWasNew = false;
        return k;
      }
      if (++slot === n) slot = 0;
    }
    const k = this.append(src, start, end);
    this.slots.put(slot, k, h, this.size);
    return k;
  }

  static hashOf(src: Uint8Array, start: number, end: number): number {
    return hashBytes(src, start, end, 0) | 0;
  }

  /**
   * The first word of the slot where a string of hash h is looked for first (it means nothing): read
   * for several strings in a row before interning them, it lets the processor fetch their slots from
   * memory side by side instead of one after the other (each a cache miss in a large table).
   */
  touch(h: number): number {
    return this.slots.table[this.slots.first(h) << 1];
  }

  /** The strings for another thread (shared memory: nothing is copied). */
  exportShared() {
    return { arena: this.arena.blocks, bits: this.arena.bits, off: this.off.blocks, len: this.len.blocks, size: this.size };
  }

  /** An interner over strings another thread kept (read through arena, off and len only). */
  static adopt(data: { arena: Uint8Array[]; bits: number; off: Uint32Array[]; len: Uint16Array[]; size: number }): ByteInterner {
    const t = new ByteInterner(0, false, data.bits);
    t.arena.blocks.push(...data.arena);
    t.off.blocks.push(...data.off);
    t.len.blocks.push(...data.len);
    t.size = data.size;
    t.dropTable();
    return t;
  }

  /** Free the hash table once no more strings will be looked up (the strings stay). */
  dropTable(): void {
    this.slots.drop();
  }

  bytes(): number {
    return this.arena.bytes() + this.off.bytes() + this.len.bytes() + this.slots.table.byteLength;
  }
}

/** Arena blocks of 64 KB to 4 MB: about 16 bytes a string expected. */
const arenaBitsFor = (sizeHint: number) => Math.max(16, Math.min(22, Math.ceil(Math.log2(sizeHint * 16 + 1))));

/** Bytes before each string in a TaggedInterner's arena: its number (4), tag (4) and length (2). */
const ENTRY_HEAD = 10;

/**
 * Interning of byte strings with a tag (person ids with a city and year: person-years) to dense numbers.
 * Most lookups find their string (a person has a few claims a year), so a string's number, tag and
 * length lie in the arena just before its bytes, and the slots hold where: a lookup that finds its
 * string reads two places (its slot, its entry), not five (slot, tag, place, length, bytes), each a
 * cache miss in a large table. About 14 bytes per string besides the string itself and the table.
 */
export class TaggedInterner {
  private readonly arena: Arena;
  /** Where each string's entry starts in the arena, by number. */
  private readonly entry = new U32();
  private readonly slots: Slots;
  size = 0;

  constructor(sizeHint = 0) {
    this.arena = new Arena(false, arenaBitsFor(sizeHint));
    this.slots = new Slots(sizeHint);
  }

  /** The number of this string under this tag (0 ≤ tag < 2^31, end − start ≤ MAX_KEY_BYTES). */
  intern(src: Uint8Array, start: number, end: number, tag: number): number {
    const table = this.slots.table;
    const n = table.length >> 1;
    const len = end - start;
    const h = (hashBytes(src, start, end, 0) ^ Math.imul(tag + 1, 0x9e3779b1)) | 0;
    let slot = this.slots.first(h);
    for (;;) {
      const e = table[slot << 1];
      if (e < 0) break;
      if (table[(slot << 1) + 1] === h) {
        const b = this.arena.block(e), at = this.arena.at(e);
        if (int32At(b, at + 4) === tag && this.arena.equals(e + ENTRY_HEAD, b[at + 8] | (b[at + 9] << 8), src, start, end)) return int32At(b, at);
      }
      if (++slot === n) slot = 0;
    }
    const k = this.size++;
    const e = this.arena.reserve(ENTRY_HEAD + len);
    if (e > 0x7fffffff) throw new RangeError('person-years past 2 GB');
    const b = this.arena.block(e), at = this.arena.at(e);
    putInt32(b, at, k);
    putInt32(b, at + 4, tag);
    b[at + 8] = len & 0xff;
    b[at + 9] = len >> 8;
    for (let i = start, p = at + ENTRY_HEAD; i < end; i++, p++) b[p] = src[i];
    this.entry.set(k, e);
    this.slots.put(slot, e, h, this.size);
    return k;
  }

  /** String k's tag. */
  tagOf(k: number): number {
    const e = this.entry.get(k);
    return int32At(this.arena.block(e), this.arena.at(e) + 4);
  }

  /** String k's bytes, decoded. */
  text(k: number, dec: { decode(bytes: Uint8Array): string }): string {
    const e = this.entry.get(k);
    const b = this.arena.block(e), at = this.arena.at(e);
    return dec.decode(b.subarray(at + ENTRY_HEAD, at + ENTRY_HEAD + (b[at + 8] | (b[at + 9] << 8))));
  }

  /** Free the hash table once no more strings will be looked up (the strings stay). */
  dropTable(): void {
    this.slots.drop();
  }

  bytes(): number {
    return this.arena.bytes() + this.entry.bytes() + this.slots.table.byteLength;
  }
}

function int32At(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

function putInt32(b: Uint8Array, at: number, x: number): void {
  b[at] = x & 0xff;
  b[at + 1] = (x >> 8) & 0xff;
  b[at + 2] = (x >> 16) & 0xff;
  b[at + 3] = x >>> 24;
}
