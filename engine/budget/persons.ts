// A set of person ids with a value per person, on typed arrays: the ids' characters in one arena,
// open addressing (linear probing, at most 3/4 full) on a 32-bit hash with a second hash beside each
// slot, exact comparison of the characters on a match. About 20 bytes per person plus 8 per slot,
// so ten million persons fit in some 350 MB (issue 14: a province's roster under 800 MB).
//
// Entries are appended in order, so an id's characters run from off[n] to off[n + 1] (no length
// array); hashes are recomputed from the arena when the slots grow (no hash arrays). The arena holds
// one byte per character while every id is Latin-1 (ids are almost always ASCII), two from the first
// id that is not.

/** The 32-bit FNV-1a hash of an id (the table's slot; a roster's partition, budget/split.ts). */
export function hashA(id: string): number {
  let a = 0x811c9dc5 | 0;
  for (let j = 0; j < id.length; j++) a = Math.imul(a ^ id.charCodeAt(j), 16777619);
  return a;
}

function hashB(id: string): number {
  let b = 5381;
  for (let j = 0; j < id.length; j++) b = (Math.imul(b, 33) + id.charCodeAt(j)) | 0;
  return b;
}

export class PersonTable {
  private slots: Int32Array;
  /** The second hash beside each slot, so that a probe rarely reads the arena. */
  private slotHash: Int32Array;
  private mask: number;
  private arena: Uint8Array | Uint16Array;
  private used = 0;
  /** off[n]: where entry n's characters start; off[size]: where the next one will. */
  private off: Int32Array;
  group: Int32Array;
  line: Int32Array;
  size = 0;

  /** sizeHint: the number of persons expected (a guess is fine: the table grows). */
  constructor(sizeHint = 16384) {
    const n = Math.max(1024, Math.min(sizeHint, 1 << 27));
    let cap = 1 << 11;
    while (cap * 3 < n * 4) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    this.arena = new Uint8Array(n * 10);
    this.off = new Int32Array(n + 1);
    this.group = new Int32Array(n);
    this.line = new Int32Array(n);
  }

  private same(s: number, id: string): boolean {
    const o = this.off[s], L = id.length;
    if (this.off[s + 1] - o !== L) return false;
    const arena = this.arena;
    for (let j = 0; j < L; j++) if (arena[o + j] !== id.charCodeAt(j)) return false;
    return true;
  }

  /** The entry of an id, or -1 after inserting it (its group and line must then be set by the caller). */
  findOrInsert(id: string): number {
    const a = hashA(id), b = hashB(id);
    let p = a & this.mask;
    for (;;) {
      const s = this.slots[p];
      if (s < 0) break;
      if (this.slotHash[p] === b && this.same(s, id)) return s;
      p = (p + 1) & this.mask;
    }
    const n = this.size++;
    if (n + 1 >= this.off.length) this.growEntries();
    const L = id.length;
    if (this.arena instanceof Uint8Array) {
      for (let j = 0; j < L; j++) if (id.charCodeAt(j) > 0xff) { this.widen(); break; }
    }
    if (this.used + L > this.arena.length) this.growArena(this.used + L);
    for (let j = 0; j < L; j++) this.arena[this.used + j] = id.charCodeAt(j);
    this.off[n] = this.used;
    this.used += L;
    this.off[n + 1] = this.used;
    this.slots[p] = n;
    this.slotHash[p] = b;
    if (this.size * 4 > this.slots.length * 3) this.rehash();
    return -1;
  }

  /** The entry just inserted. */
  get last(): number {
    return this.size - 1;
  }

  /** The id of an entry. */
  idOf(n: number): string {
    let s = '';
    for (let j = this.off[n]; j < this.off[n + 1]; j++) s += String.fromCharCode(this.arena[j]);
    return s;
  }

  private widen() {
    const w = new Uint16Array(this.arena.length);
    w.set(this.arena);
    this.arena = w;
  }

  private growArena(need: number) {
    let cap = Math.ceil(this.arena.length * 1.5);
    while (cap < need) cap = Math.ceil(cap * 1.5);
    const na = this.arena instanceof Uint8Array ? new Uint8Array(cap) : new Uint16Array(cap);
    na.set(this.arena);
    this.arena = na;
  }

  private growEntries() {
    // by half: the guess from a file's size is usually close, and doubling would overshoot by far
    const cap = Math.ceil(this.group.length * 1.5);
    const g = (x: Int32Array, c: number) => { const y = new Int32Array(c); y.set(x); return y; };
    this.off = g(this.off, cap + 1); this.group = g(this.group, cap); this.line = g(this.line, cap);
  }

  private rehash() {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    const arena = this.arena;
    for (let n = 0; n < this.size; n++) {
      // the two hashes of hashA and hashB, over the arena's characters
      let a = 0x811c9dc5 | 0, b = 5381;
      for (let j = this.off[n], end = this.off[n + 1]; j < end; j++) {
        const c = arena[j];
        a = Math.imul(a ^ c, 16777619);
        b = (Math.imul(b, 33) + c) | 0;
      }
      let p = a & this.mask;
      while (this.slots[p] >= 0) p = (p + 1) & this.mask;
      this.slots[p] = n;
      this.slotHash[p] = b;
    }
  }
}
