// The results of a settled ClaimTable as bytes: the results CSV (engine/output.ts resultsTable, or
// nhsaResultsTable under the platform's names, without explanations: the same bytes), or a
// partition's rows framed by their input line for engine/bulk/partition.ts mergeResultsByLine. Money is
// written from integer fen, no Decimal per cell.
import { csvCell, csvLine } from '../csv';
import { RESULT_COLUMNS, NHSA_RESULT_COLUMNS } from '../output';
import { Byte } from './scan';
import type { ClaimTable } from './table';

/**
 * The rows in pieces handed to `sink` (each piece is only valid during the call: copy it or write it
 * at once). framed: no header, each row after its input line and length (two little-endian int32).
 */
export function writeRows(t: ClaimTable, sink: (bytes: Uint8Array) => void, pieceBytes: number, framed: boolean, format: 'spec' | 'nhsa'): void {
  // the slack above pieceBytes holds a whole row (a claim id is at most MAX_KEY_BYTES), so a framed
  // row is never cut between two pieces before its length is filled in
  const buf = new Uint8Array(pieceBytes + 65536);
  const frame = new DataView(buf.buffer);
  let p = 0;
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  const put = (bytes: Uint8Array) => {
    if (p + bytes.length > buf.length) {
      sink(buf.subarray(0, p));
      p = 0;
      if (bytes.length > buf.length) { sink(bytes); return; }
    }
    buf.set(bytes, p);
    p += bytes.length;
  };
  const nhsa = format === 'nhsa';
  if (!framed) put(enc.encode(csvLine([...(nhsa ? NHSA_RESULT_COLUMNS : RESULT_COLUMNS)])));
  const notes = t.notes.map((n) => enc.encode(csvCell(n)));
  const digits = new Uint8Array(24);
  const money = (f: number) => {
    // f ≥ 0 integer fen → "yuan.ff"; the yuan in 32-bit integer steps (division by 10 on integers is a
    // multiplication, on doubles a division) unless past 2^31 yuan (more than any amount holds)
    let yuan = Math.floor(f / 100);
    const fen = f - yuan * 100;
    let n = 0;
    if (yuan < 0x80000000) {
      let y = yuan | 0;
      do {
        const q = (y / 10) | 0;
        digits[n++] = 48 + y - q * 10;
        y = q;
      } while (y > 0);
    } else {
      do {
        digits[n++] = 48 + (yuan % 10);
        yuan = Math.floor(yuan / 10);
      } while (yuan > 0);
    }
    while (n > 0) buf[p++] = digits[--n];
    buf[p++] = 46;
    buf[p++] = 48 + ((fen / 10) | 0);
    buf[p++] = 48 + (fen % 10);
  };
  const ids = t.ids, arena = ids.arena;
  for (let v = 0; v < t.size; v++) {
    if (p > pieceBytes) {
      sink(buf.subarray(0, p));
      p = 0;
    }
    const rowStart = p;
    if (framed) p += 8;
    // the claim id straight from the interner's arena (no view a row); a whole row fits in the slack
    const k = t.vId.get(v);
    const off = ids.off.get(k), len = ids.len.get(k);
    const block = arena.block(off), at = arena.at(off), end = at + len;
    if (needsQuoting(block, at, end)) put(enc.encode(csvCell(dec.decode(block.subarray(at, end)))));
    else for (let i = at; i < end; i++) buf[p++] = block[i];
    const total = t.total(v), compliant = t.compliant(v);
    const b = t.basic(v), c = t.critical(v), a = t.assist(v), r = t.reassist(v);
    const paid = b + c + a + r;
    if (nhsa) {
      // hifp_pay, hifmi_pay, maf_pay, maf_assist_pay, maf_reassist_pay, fund_pay_sumamt, psn_part_amt
      buf[p++] = Byte.COMMA; money(b);
      buf[p++] = Byte.COMMA; money(c);
      buf[p++] = Byte.COMMA; money(a + r);
      buf[p++] = Byte.COMMA; money(a);
      buf[p++] = Byte.COMMA; money(r);
      buf[p++] = Byte.COMMA; money(paid);
      buf[p++] = Byte.COMMA; money(total - paid);
    } else {
      buf[p++] = Byte.COMMA; money(b);
      buf[p++] = Byte.COMMA; money(c);
      buf[p++] = Byte.COMMA; money(a);
      buf[p++] = Byte.COMMA; money(r);
      buf[p++] = Byte.COMMA; money(compliant - paid);
      buf[p++] = Byte.COMMA; money(total - paid);
    }
    buf[p++] = Byte.COMMA;
    const w = t.warn(v);
    if (w) buf[p++] = w === 2 ? 49 : 48;
    buf[p++] = Byte.COMMA;
    const nk = t.note(v);
    if (nk) put(notes[nk]);
    buf[p++] = Byte.LF;
    if (framed) {
      frame.setInt32(rowStart, t.vLine!.get(v), true);
      frame.setInt32(rowStart + 4, p - rowStart - 8, true);
    }
  }
  if (p) sink(buf.subarray(0, p));
}

/** csvCell would change the bytes b[s, e) (a quote, comma or line break; a leading = + - @ not before a digit). */
function needsQuoting(b: Uint8Array, s: number, e: number): boolean {
  if (e === s) return false;
  const c0 = b[s];
  if (c0 === 61 || c0 === 43 || c0 === 64) return true;
  if (c0 === 45 && !(e - s > 1 && b[s + 1] >= 48 && b[s + 1] <= 57)) return true;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === Byte.QUOTE || c === Byte.COMMA || c === Byte.CR || c === Byte.LF) return true;
  }
  return false;
}
