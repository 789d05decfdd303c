// Growable columns in fixed blocks of typed arrays: no object per row, and growing never copies
// (a doubling array would hold old and new copies at once, half again the peak memory). Also the
// Arena that byte strings live in (interners.ts), and the cache of names as typed (ByteCache).

const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/** Memory, shared with other threads if asked (SharedArrayBuffer where there is one). */
function alloc(bytes: number, sharedMem: boolean): ArrayBuffer | SharedArrayBuffer {
  return sharedMem && typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

// One class per element type, each with its own code, so that element access stays monomorphic.
export class I32 {
  readonly blocks: Int32Array[] = [];
  /** sharedMem: blocks in SharedArrayBuffers, for another thread to read. */
  constructor(private readonly sharedMem = false) {}
  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & MASK];
  }
  set(i: number, v: number): void {
    const b = i >>> BLOCK_BITS;
    if (b >= this.blocks.length) this.add(b);
    this.blocks[b][i & MASK] = v;
  }
  private add(b: number): void {
    while (this.blocks.length <= b) this.blocks.push(new Int32Array(alloc(BLOCK * Int32Array.BYTES_PER_ELEMENT, this.sharedMem)));
  }
  bytes(): number {
    return this.blocks.length * BLOCK * Int32Array.BYTES_PER_ELEMENT;
  }
}

export class U32 {
  readonly blocks: Uint32Array[] = [];
  /** sharedMem: blocks in SharedArrayBuffers, for another thread to read. */
  constructor(private readonly sharedMem = false) {}
  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & MASK];
  }
  set(i: number, v: number): void {
    const b = i >>> BLOCK_BITS;
    if (b >= this.blocks.length) this.add(b);
    this.blocks[b][i & MASK] = v;
  }
  private add(b: number): void {
    while (this.blocks.length <= b) this.blocks.push(new Uint32Array(alloc(BLOCK * Uint32Array.BYTES_PER_ELEMENT, this.sharedMem)));
  }
  bytes(): number {
    return this.blocks.length * BLOCK * Uint32Array.BYTES_PER_ELEMENT;
  }
}

export class U16 {
  readonly blocks: Uint16Array[] = [];
  /** sharedMem: blocks in SharedArrayBuffers, for another thread to read. */
  constructor(private readonly sharedMem = false) {}
  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & MASK];
  }
  set(i: number, v: number): void {
    const b = i >>> BLOCK_BITS;
    if (b >= this.blocks.length) this.add(b);
    this.blocks[b][i & MASK] = v;
  }
  private add(b: number): void {
    while (this.blocks.length <= b) this.blocks.push(new Uint16Array(alloc(BLOCK * Uint16Array.BYTES_PER_ELEMENT, this.sharedMem)));
  }
  bytes(): number {
    return this.blocks.length * BLOCK * Uint16Array.BYTES_PER_ELEMENT;
  }
}

/**
 * Byte strings kept end to end in blocks of 2^bits bytes (64 KB to 4 MB: small for a small interner, so
 * that many small ledgers do not each hold most of a 4 MB block empty); a string never straddles two
 * blocks. Offsets (block × size + position) fit 32 bits.
 */
export class Arena {
  private readonly size: number;
  private readonly mask: number;
  constructor(private readonly sharedMem = false, readonly bits = 22) {
    this.size = 1 << bits;
    this.mask = this.size - 1;
    this.pos = this.size;
  }
  readonly blocks: Uint8Array[] = [];
  private pos: number;
  /** Room for n bytes in one block; returns its global offset (block × size + position). */
  reserve(n: number): number {
    if (n > this.size) throw new RangeError('string too long for the arena');
    if (this.pos + n > this.size) {
      // (checked here, once a block: a power computed on every call cost 100 ns, as much as the rest)
      if (this.blocks.length >= 2 ** (32 - this.bits)) throw new RangeError('arena full (4 GB)');
      this.blocks.push(new Uint8Array(alloc(this.size, this.sharedMem)));
      this.pos = 0;
    }
    const off = (this.blocks.length - 1) * this.size + this.pos;
    this.pos += n;
    return off;
  }

  /** Copy bytes in; returns the global offset (block × size + position). */
  add(src: Uint8Array, start: number, end: number): number {
    const off = this.reserve(end - start);
    const block = this.blocks[this.blocks.length - 1];
    // a short string byte by byte: subarray() makes an object per call (millions of ids)
    if (end - start <= 64) for (let i = start, p = off & this.mask; i < end; i++, p++) block[p] = src[i];
    else block.set(src.subarray(start, end), off & this.mask);
    return off;
  }
  block(off: number): Uint8Array {
    return this.blocks[off >>> this.bits];
  }
  at(off: number): number {
    return off & this.mask;
  }
  equals(off: number, len: number, src: Uint8Array, start: number, end: number): boolean {
    if (end - start !== len) return false;
    const b = this.block(off);
    let p = this.at(off);
    for (let i = start; i < end; i++, p++) if (b[p] !== src[i]) return false;
    return true;
  }
  bytes(): number {
    return this.blocks.length * this.size;
  }
}

/** A typed array of n elements (n ≥ a's length) beginning with a's (the arrays that grow as they fill). */
export function grown<A extends Int32Array | Uint8Array | Float64Array>(a: A, n: number): A {
  const out = new (a.constructor as new (n: number) => A)(n);
  out.set(a);
  return out;
}

const CACHE_LIMIT = 20_000;

/**
 * A cache from short byte strings (with a tag, e.g. the city) to values: names as typed → what they
 * resolve to. At most CACHE_LIMIT keys: past that, every lookup of a new key misses (still correct).
 */
export class ByteCache<V> {
  // the keys end to end in one byte array, their offsets, lengths and tags in typed arrays: a lookup
  // touches no object but the value (an array of Uint8Arrays was a pointer chase per probe)
  // (all small at first, grown as keys come: a ledger of each share or partition has five caches, and
  // most see a few dozen names)
  private keyBytes = new Uint8Array(1 << 10);
  private keyEnd = 0;
  private keyOff = new Int32Array(64);
  private keyLen = new Int32Array(64);
  private keyTag = new Int32Array(64);
  private readonly vals: V[] = [];
  private table = new Int32Array(256).fill(-1);
  private keyLo = new Float64Array(64);
  private keyHi = new Float64Array(64);
  private slot = 0;
  private hash = 0;
  private lo = 0;
  private hi = 0;
  /** The cached value, or undefined (then put() may follow for the same key). */
  get(b: Uint8Array, s: number, e: number, tag: number): V | undefined {
    // besides the hash, a key of up to 12 bytes as two exact numbers (6 bytes each), compared instead
    // of its bytes: a byte loop was half the time of a lookup, and every row looks up five names
    const len = e - s, m = len < 6 ? e : s + 6;
    let h = (0x811c9dc5 ^ Math.imul(tag, 0x9e3779b1)) >>> 0, lo = 0, hi = 0;
    for (let i = s; i < m; i++) {
      h = Math.imul(h ^ b[i], 0x01000193);
      lo = lo * 256 + b[i];
    }
    for (let i = m; i < e; i++) {
      h = Math.imul(h ^ b[i], 0x01000193);
      hi = hi * 256 + b[i];
    }
    this.hash = h;
    this.lo = lo;
    this.hi = hi;
    const table = this.table;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const k = table[slot];
      if (k < 0) break;
      if (this.keyLen[k] === len && this.keyTag[k] === tag && (len <= 12 ? this.keyLo[k] === lo && this.keyHi[k] === hi : this.sameBytes(k, b, s, e))) return this.vals[k];
      slot = (slot + 1) & mask;
    }
    this.slot = slot;
    return undefined;
  }

  /** Whether key k's bytes are b[s, e) (its length already compared). */
  private sameBytes(k: number, b: Uint8Array, s: number, e: number): boolean {
    const kb = this.keyBytes;
    for (let o = this.keyOff[k], j = s; j < e; o++, j++) if (kb[o] !== b[j]) return false;
    return true;
  }

  put(b: Uint8Array, s: number, e: number, tag: number, v: V): void {
    const k = this.vals.length;
    if (k >= CACHE_LIMIT) return;
    if (k === this.keyOff.length) {
      const n = Math.min(CACHE_LIMIT, 2 * k);
      this.keyOff = grown(this.keyOff, n);
      this.keyLen = grown(this.keyLen, n);
      this.keyTag = grown(this.keyTag, n);
      this.keyLo = grown(this.keyLo, n);
      this.keyHi = grown(this.keyHi, n);
    }
    if (2 * (k + 1) > this.table.length) this.rehash();
    const len = e - s;
    if (this.keyEnd + len > this.keyBytes.length) this.keyBytes = grown(this.keyBytes, Math.max(this.keyBytes.length * 2, this.keyEnd + len));
    this.table[this.slot] = k;
    this.keyOff[k] = this.keyEnd;
    this.keyLen[k] = len;
    this.keyTag[k] = tag;
    this.keyLo[k] = this.lo;
    this.keyHi[k] = this.hi;
    for (let i = s; i < e; i++) this.keyBytes[this.keyEnd++] = b[i];
    this.vals.push(v);
  }

  /** A table twice as large (at most half full), the keys put back; then the slot of the key being put. */
  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    const kb = this.keyBytes;
    const slotOf = (h: number) => {
      let slot = h & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      return slot;
    };
    for (let k = 0; k < this.vals.length; k++) {
      let h = (0x811c9dc5 ^ Math.imul(this.keyTag[k], 0x9e3779b1)) >>> 0;
      for (let i = this.keyOff[k], e = i + this.keyLen[k]; i < e; i++) h = Math.imul(h ^ kb[i], 0x01000193);
      table[slotOf(h)] = k;
    }
    this.table = table;
    this.slot = slotOf(this.hash);
  }
}
