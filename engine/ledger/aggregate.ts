// Sums of settled claims in exact fen: the ledger's totals, and totals per group (engine/summary.ts
// GroupKey: city, county, category, month, year, kind). Fen add up in float64, exact below 2^53, and
// each running sum is flushed to a BigInt before 2^15 more amounts could come near that.
import { Decimal } from '../money';
import type { Totals } from '../ledger';
import type { GroupKey, GroupSum } from '../summary';
import { I32 } from './columns';
import { KIND_NAMES } from './fields';
import type { ClaimTable } from './table';
import type { RuleSet } from './settle';
import { BulkUnsupported } from './unsupported';

/** The ledger's totals and the number of claims warned of ("1"). */
export function sumTotals(t: ClaimTable): { totals: Totals; warnings: number } {
  // fen sums in exact integers: flushed to BigInt well before 2^53
  const sums = new Array<bigint>(8).fill(0n);
  const acc = new Float64Array(8);
  let warnings = 0;
  for (let v = 0; v < t.size; v++) {
    const total = t.vTotal.get(v), compliant = t.vCompliant.get(v);
    const b = t.vBasic.get(v), c = t.vCritical.get(v), a = t.vAssist.get(v), r = t.vReassist.get(v);
    const paid = b + c + a + r;
    acc[0] += total; acc[1] += compliant; acc[2] += b; acc[3] += c; acc[4] += a; acc[5] += r; acc[6] += compliant - paid; acc[7] += total - paid;
    if (t.vWarn.get(v) === 2) warnings++;
    if ((v & 0x7fff) === 0x7fff) flushSums(sums, acc);
  }
  flushSums(sums, acc);
  const d = (x: bigint) => new Decimal(x.toString()).div(100);
  return { totals: { total: d(sums[0]), compliant: d(sums[1]), basic: d(sums[2]), critical: d(sums[3]), assistance: d(sums[4]), reassist: d(sums[5]), oop_compliant: d(sums[6]), oop_total: d(sums[7]) }, warnings };
}

function flushSums(sums: bigint[], acc: Float64Array): void {
  for (let k = 0; k < 8; k++) {
    sums[k] += BigInt(acc[k]);
    acc[k] = 0;
  }
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
      const cells: Record<GroupKey, string> = { city: rs.city.id, county: countyName, category: rs.category, month: `${y}-${String(month).padStart(2, '0')}`, year: y, kind: KIND_NAMES[kindCode] };
      this.slotKeys.push(this.keys.map((g) => cells[g]));
      this.slotOfBase.set(key, slot);
    }
    return slot;
  }

  /** Fen sums per slot of the settled table, in exact integers (as sumTotals). */
  sum(t: ClaimTable): GroupSum[] {
    const n = this.slotKeys.length;
    const acc = new Float64Array(n * 8);
    const pending = new Int32Array(n);
    const claims = new Float64Array(n);
    const warnings = new Float64Array(n);
    const sums = new Array<bigint>(n * 8).fill(0n);
    const flush = (s: number) => {
      for (let k = s * 8; k < s * 8 + 8; k++) {
        sums[k] += BigInt(acc[k]);
        acc[k] = 0;
      }
      pending[s] = 0;
    };
    for (let v = 0; v < t.size; v++) {
      const s = this.vSlot.get(v);
      const total = t.vTotal.get(v), compliant = t.vCompliant.get(v);
      const b = t.vBasic.get(v), c = t.vCritical.get(v), a = t.vAssist.get(v), r = t.vReassist.get(v);
      const paid = b + c + a + r;
      const o = s * 8;
      acc[o] += total; acc[o + 1] += compliant; acc[o + 2] += b; acc[o + 3] += c; acc[o + 4] += a; acc[o + 5] += r; acc[o + 6] += compliant - paid; acc[o + 7] += total - paid;
      claims[s]++;
      if (t.vWarn.get(v) === 2) warnings[s]++;
      if (++pending[s] === 0x7fff) flush(s);
    }
    const yuan = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`; // f ≥ 0
    return this.slotKeys.map((key, s) => {
      flush(s);
      return { key, claims: claims[s], warnings: warnings[s], totals: sums.slice(s * 8, s * 8 + 8).map(yuan) };
    });
  }

  bytes(): number {
    return this.vSlot.bytes();
  }
}
