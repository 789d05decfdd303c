// Sums of settled claims in exact fen, one accumulator for both: the ledger's totals, and totals per
// group (engine/summary.ts GroupKey: city, county, category, month, year, kind). Fen add up in
// float64, exact below 2^53: each running sum is flushed to a BigInt after 2^15 − 1 claims, an amount is
// at most 10^10 fen (engine/money.ts MAX_AMOUNT), so a running sum stays below 2^49.
import { Decimal } from '../money';
import type { Totals } from '../ledger';
import type { GroupKey, GroupSum } from '../summary';
import { I32 } from './columns';
import { KIND_CODES } from '../chain/plan';
import type { ClaimTable } from './table';
import type { RuleSet } from './settle';
import { BulkUnsupported } from './unsupported';

/**
 * The eight sums of TOTAL_FIELDS (total, compliant, basic, critical, assistance, reassist,
 * oop_compliant, oop_total) per slot, and the claims and warnings ("1") counted in each.
 */
class FenSums {
  private readonly acc: Float64Array;
  private readonly pending: Int32Array;
  private readonly sums: bigint[];
  readonly claims: Float64Array;
  readonly warnings: Float64Array;

  constructor(slots: number) {
    this.acc = new Float64Array(slots * 8);
    this.pending = new Int32Array(slots);
    this.sums = new Array<bigint>(slots * 8).fill(0n);
    this.claims = new Float64Array(slots);
    this.warnings = new Float64Array(slots);
  }

  /** Settled claim v of the table into slot s. */
  add(s: number, t: ClaimTable, v: number): void {
    const total = t.total(v), compliant = t.compliant(v);
    const b = t.basic(v), c = t.critical(v), a = t.assist(v), r = t.reassist(v);
    const paid = b + c + a + r;
    const acc = this.acc, o = s * 8;
    acc[o] += total; acc[o + 1] += compliant; acc[o + 2] += b; acc[o + 3] += c; acc[o + 4] += a; acc[o + 5] += r; acc[o + 6] += compliant - paid; acc[o + 7] += total - paid;
    this.claims[s]++;
    if (t.warn(v) === 2) this.warnings[s]++;
    if (++this.pending[s] === 0x7fff) this.flush(s);
  }

  /** Slot s's eight sums in fen. */
  fen(s: number): bigint[] {
    this.flush(s);
    return this.sums.slice(s * 8, s * 8 + 8);
  }

  private flush(s: number): void {
    for (let k = s * 8; k < s * 8 + 8; k++) {
      this.sums[k] += BigInt(this.acc[k]);
      this.acc[k] = 0;
    }
    this.pending[s] = 0;
  }
}

/** The ledger's totals and the number of claims warned of ("1"). */
export function sumTotals(t: ClaimTable): { totals: Totals; warnings: number } {
  const sums = new FenSums(1);
  for (let v = 0; v < t.size; v++) sums.add(0, t, v);
  const fen = sums.fen(0);
  const d = (x: bigint) => new Decimal(x.toString()).div(100);
  return { totals: { total: d(fen[0]), compliant: d(fen[1]), basic: d(fen[2]), critical: d(fen[3]), assistance: d(fen[4]), reassist: d(fen[5]), oop_compliant: d(fen[6]), oop_total: d(fen[7]) }, warnings: sums.warnings[0] };
}

/** Sums per group: a slot per distinct key, per valid claim its slot (a key may have more than one slot: groupsFromSums adds them up). */
export class GroupSums {
  /** Bits of the keys asked for: city 1, county 2, category 4, month 8, year 16, kind 32. */
  readonly mask: number;
  private readonly vSlot = new I32();
  private readonly slotOfBase = new Map<number, number>();
  private readonly baseIds = new Map<number, number>();
  private readonly slotKeys: string[][] = [];

  constructor(private readonly keys: GroupKey[]) {
    this.mask = (['city', 'county', 'category', 'month', 'year', 'kind'] as const).reduce((m, g, i) => (keys.includes(g) ? m | (1 << i) : m), 0);
  }

  /** Claim v's group: its rule set, year, month, kind, and (with county in the keys) its county's number and name. */
  put(v: number, rs: RuleSet, year: number, month: number, kindCode: number, county: number, countyName: string): void {
    this.vSlot.set(v, this.slotOf(rs, year, month, kindCode, county, countyName));
  }

  private slotOf(rs: RuleSet, year: number, month: number, kindCode: number, county: number, countyName: string): number {
    const m = this.mask;
    // city < 2^10, category < 2^10, year < 2^14, month < 2^4, kind < 2^2: 40 bits
    const base = ((((m & 1 ? rs.cityIdx : 0) * 1024 + (m & 4 ? rs.catIdx : 0)) * 16384 + (m & 24 ? year : 0)) * 16 + (m & 8 ? month : 0)) * 4 + (m & 32 ? kindCode : 0);
    let key = base;
    if (m & 2) {
      let id = this.baseIds.get(base);
      if (id === undefined) this.baseIds.set(base, (id = this.baseIds.size));
      key = id * 2 ** 32 + county;
    }
    let slot = this.slotOfBase.get(key);
    if (slot === undefined) {
      slot = this.slotKeys.length;
      if (slot >= 1 << 20) throw new BulkUnsupported('too many groups');
      const y = String(year).padStart(4, '0');
      const cells: Record<GroupKey, string> = { city: rs.city.id, county: countyName, category: rs.category, month: `${y}-${String(month).padStart(2, '0')}`, year: y, kind: KIND_CODES[kindCode] };
      this.slotKeys.push(this.keys.map((g) => cells[g]));
      this.slotOfBase.set(key, slot);
    }
    return slot;
  }

  /** The sums per slot of the settled table. */
  sum(t: ClaimTable): GroupSum[] {
    const sums = new FenSums(this.slotKeys.length);
    for (let v = 0; v < t.size; v++) sums.add(this.vSlot.get(v), t, v);
    const yuan = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`; // f ≥ 0
    return this.slotKeys.map((key, s) => ({ key, claims: sums.claims[s], warnings: sums.warnings[s], totals: sums.fen(s).map(yuan) }));
  }

  bytes(): number {
    return this.vSlot.bytes();
  }
}
