// The valid claims of a ledger in columns (v = 0, 1, 2 … in input order): typed arrays in blocks,
// no object per claim. Intake (intake.ts) fills the claim's own cells, settlement (settle.ts) the
// amounts paid, its warning and notes; aggregate.ts and write.ts read them.
import { ByteInterner, I32, Money32, U16, U8 } from './columns';
import { BulkUnsupported } from './unsupported';

export class ClaimTable {
  /** Valid claims so far. */
  size = 0;
  /** The claim ids as read (trimmed), by claim number. */
  ids: ByteInterner;
  /** Person-years: the person id's bytes, tagged cityIdx * 10000 + year. */
  readonly personYears: ByteInterner;
  readonly vId = new I32();
  readonly vPersonYear = new I32();
  readonly vDay = new U16(); // month * 32 + day
  readonly vRule = new U16(); // index into the rule sets (settle.ts RuleSets)
  readonly vKind = new U8(); // bits 0–1: kind code (KIND_CODES); bits 2–4: level code (LEVEL_CODES)
  readonly vTotal = new Money32();
  readonly vCompliant = new Money32();
  readonly vBasic = new Money32(); // given basic_paid or −1; after settling: basic
  readonly vCritical = new Money32();
  readonly vAssist = new Money32();
  readonly vReassist = new Money32();
  readonly vWarn = new U8(); // 0 none, 1 "0", 2 "1"
  readonly vNotes = new U16(); // index into notes
  readonly vLine: I32 | null; // a partition's input lines (to merge partitions back into input order)
  /** The distinct notes ('' first). */
  readonly notes: string[] = [''];
  private readonly notesIndex = new Map<string, number>([['', 0]]);

  /** lines: keep each claim's input line (a partition). */
  constructor(ids: ByteInterner, personYears: ByteInterner, lines: boolean) {
    this.ids = ids;
    this.personYears = personYears;
    this.vLine = lines ? new I32() : null;
  }

  /** A valid claim; its number v. */
  add(line: number, idk: number, personYear: number, day: number, rule: number, kind: number, total: number, compliant: number, basic: number): number {
    const v = this.size++;
    this.vLine?.set(v, line);
    this.vId.set(v, idk);
    this.vPersonYear.set(v, personYear);
    this.vDay.set(v, day);
    this.vRule.set(v, rule);
    this.vKind.set(v, kind);
    this.vTotal.set(v, total);
    this.vCompliant.set(v, compliant);
    this.vBasic.set(v, basic);
    return v;
  }

  /** Claim v's date, YYYY-MM-DD. */
  dayYear(v: number): string {
    const g = this.vPersonYear.get(v);
    const year = this.personYears.tag!.get(g) % 10000;
    const day = this.vDay.get(v);
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
    const cols = [this.vId, this.vPersonYear, this.vDay, this.vRule, this.vKind, this.vTotal, this.vCompliant, this.vBasic, this.vCritical, this.vAssist, this.vReassist, this.vWarn, this.vNotes];
    return cols.reduce((s, c) => s + c.bytes(), 0) + this.ids.bytes() + this.personYears.bytes();
  }
}
