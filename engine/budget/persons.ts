// A set of person ids with a value per person, on typed arrays: the ids' characters in one arena,
// open addressing on two 32-bit hashes, exact comparison of the characters on a hash match.

export class PersonTable {
  private slots: Int32Array;
  /** The second hash beside each slot, so that a probe rarely leaves the slot array. */
  private slotHash: Int32Array;
  private mask: number;
  private arena: Uint16Array;
  private used = 0;
  private off: Int32Array;
  private len: Int32Array;
  private ha: Int32Array;
  private hb: Int32Array;
  group: Int32Array;
  line: Int32Array;
  size = 0;

  /** sizeHint: the number of persons expected (a guess is fine: the table grows). */
  constructor(sizeHint = 16384) {
    const n = Math.max(1024, Math.min(sizeHint, 1 << 27));
    let cap = 1 << 11;
    while (cap < n * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    this.arena = new Uint16Array(n * 12);
    this.off = new Int32Array(n);
    this.len = new Int32Array(n);
    this.ha = new Int32Array(n);
    this.hb = new Int32Array(n);
    this.group = new Int32Array(n);
    this.line = new Int32Array(n);
  }

  /** The entry of an id, or -1 after inserting it (its group and line must then be set by the caller). */
  findOrInsert(id: string): number {
    const L = id.length;
    let a = 0x811c9dc5 | 0, b = 5381;
    for (let j = 0; j < L; j++) {
      const c = id.charCodeAt(j);
      a = Math.imul(a ^ c, 16777619);
      b = (Math.imul(b, 33) + c) | 0;
    }
    let p = a & this.mask;
    for (;;) {
      const s = this.slots[p];
      if (s < 0) break;
      if (this.slotHash[p] === b && this.len[s] === L) {
        const o = this.off[s];
        let eq = true;
        for (let j = 0; j < L; j++) if (this.arena[o + j] !== id.charCodeAt(j)) { eq = false; break; }
        if (eq) return s;
      }
      p = (p + 1) & this.mask;
    }
    const n = this.size++;
    if (n >= this.off.length) this.growEntries();
    if (this.used + L > this.arena.length) {
      let cap = this.arena.length * 2;
      while (cap < this.used + L) cap *= 2;
      const na = new Uint16Array(cap);
      na.set(this.arena);
      this.arena = na;
    }
    for (let j = 0; j < L; j++) this.arena[this.used + j] = id.charCodeAt(j);
    this.off[n] = this.used;
    this.len[n] = L;
    this.used += L;
    this.ha[n] = a;
    this.hb[n] = b;
    this.slots[p] = n;
    this.slotHash[p] = b;
    if (this.size * 2 > this.slots.length) this.rehash();
    return -1;
  }

  /** The entry just inserted. */
  get last(): number {
    return this.size - 1;
  }

  private growEntries() {
    const cap = this.off.length * 2;
    const g = <T extends Int32Array>(x: T) => { const y = new Int32Array(cap); y.set(x); return y; };
    this.off = g(this.off); this.len = g(this.len); this.ha = g(this.ha); this.hb = g(this.hb); this.group = g(this.group); this.line = g(this.line);
  }

  private rehash() {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    for (let n = 0; n < this.size; n++) {
      let p = this.ha[n] & this.mask;
      while (this.slots[p] >= 0) p = (p + 1) & this.mask;
      this.slots[p] = n;
      this.slotHash[p] = this.hb[n];
    }
  }
}

