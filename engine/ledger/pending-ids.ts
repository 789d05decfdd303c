// A reader's claim ids, looked up a burst at a time. Each lookup is a random access into a table of
// millions of slots (a cache miss of about 200 ns here); looked up one per record as it is scanned, each
// waited for the one before. Gathered over a chunk and looked up at its end, in input order (the first
// occurrence stands), their slots are read ahead in bursts so that the misses overlap. The records
// stay in the batch being built; their claim numbers and duplicate status are filled in before it goes.
import { ByteInterner, checkKey } from './interners';
import { grown } from './columns';
import type { BatchWriter } from './batch';
import type { CsvScanner } from './scan';

/** Ids whose slots are read ahead at a time (more would be pushed out of the cache before their turn). */
const BURST = 64;

export class PendingIds {
  /** Per id: start, end, hash, the record's place in the batch; start < 0: its bytes in `side` from −start − 1. */
  private at: Int32Array = new Int32Array(4 * 1024);
  private n = 0;
  /** Ids that are not plain bytes of the chunk (quoted, or with other spaces around): decoded apart. */
  private side: Uint8Array = new Uint8Array(1024);
  private sideEnd = 0;
  /** What the bursts of reads gave (kept so that they are not optimized away). */
  touched = 0;

  constructor(private readonly ids: ByteInterner) {}

  /**
   * The claim id of record r of the batch (its cell k in b): −1 when it is empty (no number, never a
   * duplicate), else −2 until resolve() fills in its number.
   */
  add(sc: CsvScanner, b: Uint8Array, k: number, r: number): number {
    sc.trimmed(b, k);
    const len = sc.te - sc.ts;
    if (len === 0) return -1;
    checkKey(len, 'claim_id');
    if ((this.n + 1) * 4 > this.at.length) this.at = grown(this.at, this.at.length * 2);
    const o = this.n++ * 4;
    let start = sc.ts;
    if (sc.tb !== b) {
      if (this.sideEnd + len > this.side.length) this.side = grown(this.side, Math.max(2 * this.side.length, this.sideEnd + len));
      this.side.set(sc.tb.subarray(sc.ts, sc.te), this.sideEnd);
      start = -this.sideEnd - 1;
      this.sideEnd += len;
    }
    this.at[o] = start;
    this.at[o + 1] = start < 0 ? -start - 1 + len : sc.te;
    this.at[o + 2] = ByteInterner.hashOf(sc.tb, sc.ts, sc.te);
    this.at[o + 3] = r;
    return -2;
  }

  /** Look up the ids gathered from b, in order: each record's number, and status 3 where it repeats one before. */
  resolve(b: Uint8Array, batches: BatchWriter): void {
    const at = this.at, ids = this.ids;
    let touched = this.touched;
    for (let i0 = 0; i0 < this.n; i0 += BURST) {
      const i1 = Math.min(this.n, i0 + BURST);
      for (let i = i0; i < i1; i++) touched ^= ids.touch(at[i * 4 + 2]);
      for (let i = i0; i < i1; i++) {
        const o = i * 4;
        const start = at[o];
        const k = start >= 0 ? ids.intern(b, start, at[o + 1], at[o + 2]) : ids.intern(this.side, -start - 1, at[o + 1], at[o + 2]);
        batches.setId(at[o + 3], k, ids.lastWasNew ? 0 : 3);
      }
    }
    this.touched = touched;
    this.n = 0;
    this.sideEnd = 0;
  }
}
