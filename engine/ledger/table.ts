// The valid claims of a ledger (v = 0, 1, 2 … in input order) in typed arrays in blocks, no object
// per claim. Intake (intake.ts) fills the claim's own cells, settlement (settle.ts) the
// amounts paid, its warning and notes; aggregate.ts and write.ts read them.
import { I32 } from './columns';
import type { ByteInterner, TaggedInterner } from './interners';
import { BulkUnsupported } from './unsupported';

/** Claims per block of rows: 2^14 (256 KB a block of four words a claim). */
const ROW_BITS = 14;
const ROW_MASK = (1 << ROW_BITS) - 1;
/** The words of a claim's own row: day | kind << 9 | rule << 14; its amounts in fen. */
const W_CODE = 0, W_TOTAL = 1, W_COMPLIANT = 2, W_BASIC = 3;
/** The words of its results row: amounts in fen; warning | note << 2. */
const W_CRITICAL = 0, W_ASSIST = 1, W_REASSIST = 2, W_MARK = 3;
/** An amount word: fen as they are below MINUS_ONE; −1 (basic_paid not given); BIG: in a side map. */
const MINUS_ONE = 0xfffffffe, BIG = 0xffffffff;

export class ClaimTable {
  /** Valid claims so far. */
  size = 0;
  /** The claim ids as read (trimmed), by claim number. */
  ids: ByteInterner;
  /** Person-years: the person id's bytes, tagged cityIdx * 10000 + year. */
  readonly personYears: TaggedInterner;
  readonly vId = new I32();
  readonly vPersonYear = new I32();
  readonly vLine: I32 | null; // a partition's input lines (to merge partitions back into input order)
  // Settlement visits a person-year's claims, which lie scattered over the table: the cells it reads
  // share a row of four words (four rows a cache line), and those it writes another, instead of
  // lying in eleven columns, a cache miss each. The results rows are made when settling begins,
  // after the hash tables of intake are let go. In blocks, as columns.ts's columns: growing never copies.
  private readonly rows: Uint32Array[] = [];
  private readonly results: Uint32Array[] = [];
  /** Amounts of 2^32 − 2 fen (about 42.9 million yuan) or more, by 8v + word (+ 4 for a results row). */
  private readonly big = new Map<number, number>();
  /** The distinct notes ('' first). */
  readonly notes: string[] = [''];
  private readonly notesIndex = new Map<string, number>([['', 0]]);

  /** lines: keep each claim's input line (a partition). */
  constructor(ids: ByteInterner, personYears: TaggedInterner, lines: boolean) {
    this.ids = ids;
    this.personYears = personYears;
    this.vLine = lines ? new I32() : null;
  }

  /**
   * A valid claim; its number v. day: month × 32 + day; kind: bits 0–1 the kind's code (KIND_CODES),
   * bits 2–4 the level's (LEVEL_CODES); rule: index into the rule sets (settle.ts RuleSets); basic:
   * the given basic_paid or −1.
   */
  add(line: number, idk: number, personYear: number, day: number, rule: number, kind: number, total: number, compliant: number, basic: number): number {
    const v = this.size++;
    this.vLine?.set(v, line);
    this.vId.set(v, idk);
    this.vPersonYear.set(v, personYear);
    if ((v & ROW_MASK) === 0) this.rows.push(new Uint32Array(4 << ROW_BITS));
    const row = this.rows[v >>> ROW_BITS], at = (v & ROW_MASK) * 4;
    row[at + W_CODE] = day | (kind << 9) | (rule << 14);
    this.put(row, at + W_TOTAL, v * 8 + W_TOTAL, total);
    this.put(row, at + W_COMPLIANT, v * 8 + W_COMPLIANT, compliant);
    this.put(row, at + W_BASIC, v * 8 + W_BASIC, basic);
    return v;
  }

  /** Claim v's day in its year: month × 32 + day. */
  day(v: number): number {
    return this.rows[v >>> ROW_BITS][(v & ROW_MASK) * 4] & 0x1ff;
  }
  /** Claim v's kind and level codes (add). */
  kind(v: number): number {
    return (this.rows[v >>> ROW_BITS][(v & ROW_MASK) * 4] >>> 9) & 0x1f;
  }
  /** Claim v's rule set. */
  rule(v: number): number {
    return this.rows[v >>> ROW_BITS][(v & ROW_MASK) * 4] >>> 14;
  }
  total(v: number): number {
    return this.amount(this.rows, v, W_TOTAL);
  }
  compliant(v: number): number {
    return this.amount(this.rows, v, W_COMPLIANT);
  }
  /** The given basic_paid (−1: none) until settled; then what basic insurance paid. */
  basic(v: number): number {
    return this.amount(this.rows, v, W_BASIC);
  }
  critical(v: number): number {
    return this.amount(this.results, v, W_CRITICAL);
  }
  assist(v: number): number {
    return this.amount(this.results, v, W_ASSIST);
  }
  reassist(v: number): number {
    return this.amount(this.results, v, W_REASSIST);
  }
  /** The warning: 0 none, 1 "0", 2 "1". */
  warn(v: number): number {
    return this.results[v >>> ROW_BITS][(v & ROW_MASK) * 4 + W_MARK] & 3;
  }
  /** The number of claim v's notes (notes; 0: none). */
  note(v: number): number {
    return this.results[v >>> ROW_BITS][(v & ROW_MASK) * 4 + W_MARK] >>> 2;
  }

  /** Claim v settled: what each tier paid (fen), its warning and the number of its notes. */
  settled(v: number, basic: number, critical: number, assist: number, reassist: number, warn: number, note: number): void {
    const b = v >>> ROW_BITS, at = (v & ROW_MASK) * 4;
    while (this.results.length <= b) this.results.push(new Uint32Array(4 << ROW_BITS));
    this.put(this.rows[b], at + W_BASIC, v * 8 + W_BASIC, basic);
    const out = this.results[b];
    this.put(out, at + W_CRITICAL, v * 8 + 4 + W_CRITICAL, critical);
    this.put(out, at + W_ASSIST, v * 8 + 4 + W_ASSIST, assist);
    this.put(out, at + W_REASSIST, v * 8 + 4 + W_REASSIST, reassist);
    out[at + W_MARK] = warn | (note << 2);
  }

  private amount(blocks: Uint32Array[], v: number, w: number): number {
    const x = blocks[v >>> ROW_BITS][(v & ROW_MASK) * 4 + w];
    return x < MINUS_ONE ? x : x === MINUS_ONE ? -1 : this.big.get(v * 8 + (blocks === this.rows ? 0 : 4) + w)!;
  }

  /** Amount f (fen, or −1) into word `at` of a block; `key` its place in the side map if it is that large. */
  private put(block: Uint32Array, at: number, key: number, f: number): void {
    if (f >= 0 && f < MINUS_ONE) block[at] = f;
    else if (f === -1) block[at] = MINUS_ONE;
    else {
      if (!Number.isSafeInteger(f) || f < 0) throw new RangeError(`not an amount in fen: ${f}`);
      block[at] = BIG;
      this.big.set(key, f);
    }
  }

  /** Claim v's date, YYYY-MM-DD. */
  dayYear(v: number): string {
    const g = this.vPersonYear.get(v);
    const year = this.personYears.tagOf(g) % 10000;
    const day = this.day(v);
    return `${year}-${String(day >> 5).padStart(2, '0')}-${String(day & 31).padStart(2, '0')}`;
  }

  /** The number of a note's text (one string per distinct note). */
  noteIndex(text: string): number {
    let k = this.notesIndex.get(text);
    if (k === undefined) {
      k = this.notes.length;
      if (k > 0xffff) throw new BulkUnsupported('too many distinct notes');
      this.notes.push(text);
      this.notesIndex.set(text, k);
    }
    return k;
  }

  /** Bytes held in columns (for the benchmark's report). */
  bytes(): number {
    const cols = [this.vId, this.vPersonYear, this.vLine ?? new I32()];
    return cols.reduce((s, c) => s + c.bytes(), 0) + (this.rows.length + this.results.length) * (16 << ROW_BITS) + this.big.size * 40 + this.ids.bytes() + this.personYears.bytes();
  }
}
