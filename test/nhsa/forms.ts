// Ledgers in the other forms a body can take, generated from the oracle's spec ledgers: exports under
// the national platform's names, and NDJSON claims, each with broken and awkward rows. Shared by the
// engine's tests (test/nhsa) and the Functions app's (test/functions).
import { MED_TYPES } from '../../engine';
import { generateLedger, mulberry32 } from '../oracle/gen-ledger';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** An 18-character resident ID with its GB 11643 check digit (written here, not taken from the engine). */
function residentId(n: number): string {
  const body = `371302${String(19500101 + (n % 9000))}${String(n % 1000).padStart(3, '0')}`.slice(0, 17).padEnd(17, '0');
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + '10X98765432'[sum % 11];
}

const INPATIENT = MED_TYPES.filter((m) => m.kind === 'inpatient').map((m) => m.code);
const CHRONIC = MED_TYPES.filter((m) => m.kind === 'chronic_outpatient').map((m) => m.code);
const UNSETTLED = MED_TYPES.filter((m) => m.kind === null).map((m) => m.code);

/**
 * A generated spec ledger rewritten under the platform's names: setl_time in every form (and broken
 * ones), every med_type group (and unknown codes, Chinese names), certnos good, empty, with a bad check
 * digit, changed for a person, or shared by two persons; duplicates and unreadable rows.
 */
export function exportOf(seed: number, n: number, o: { cityColumn: boolean; categoryHeader: string }): string {
  const rnd = mulberry32(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const [head, ...lines] = generateLedger(seed, n).trimEnd().split('\n');
  const cols = head.split(',');
  const at = (cells: string[], c: string) => cells[cols.indexOf(c)];
  const persons = new Map<string, number>();
  const header = ['setl_id', 'psn_no', 'certno', ...(o.cityColumn ? ['city'] : []), o.categoryHeader, 'med_type', 'setl_time', 'medfee_sumamt', 'inscp_scp_amt', 'hifp_pay'];
  const out = [header.join(',')];
  for (const line of lines) {
    const c = line.split(',');
    if (c.length !== cols.length) continue; // a quoted cell: leave it out
    const person = at(c, 'person_id');
    if (!persons.has(person)) persons.set(person, persons.size);
    const p = persons.get(person)!;
    const kind = at(c, 'kind');
    const r = rnd();
    let med = kind === 'inpatient' ? pick(INPATIENT) : kind === 'chronic_outpatient' ? pick(CHRONIC) : pick(['15', ...INPATIENT]);
    if (r < 0.02) med = pick(UNSETTLED);
    else if (r < 0.03) med = pick(['99', '9903', '']);
    else if (r < 0.05 && kind === 'inpatient') med = '普通住院';
    const date = at(c, 'date');
    const t = rnd();
    const time = t < 0.3 ? date : t < 0.6 ? `${date} 10:22:33` : t < 0.8 ? `${date}T08:05` : t < 0.97 ? `${date}T23:59:59.123` : pick([`${date} 24:00:00`, `${date}Z`, date.replace(/-/g, '/')]);
    const q = rnd();
    let cert = residentId(p);
    if (q < 0.1) cert = '';
    else if (q < 0.12) cert = cert.slice(0, 17) + (cert[17] === '0' ? '1' : '0'); // bad check digit
    else if (q < 0.14) cert = residentId(p + 1); // another person's
    else if (q < 0.16) cert = residentId(p + 50000); // changed for this person
    else if (q < 0.17) cert = cert.toLowerCase().replace(/^(.{17})X$/, '$1x');
    else if (q < 0.18) cert = 'H12345678'; // not a resident ID: not checked
    const cells = [at(c, 'claim_id'), person, cert, ...(o.cityColumn ? [at(c, 'city')] : []), at(c, 'category'), med, time, at(c, 'total'), at(c, 'compliant'), at(c, 'basic_paid')];
    out.push(cells.join(','));
    const d = rnd();
    if (d < 0.02) out.push(cells.join(',')); // a duplicate setl_id
    else if (d < 0.03) out.push(cells.slice(0, 4).join(',')); // too few cells
  }
  return out.join('\n') + '\n';
}

/** A CSV ledger (cells split on commas; quoted lines left as they are, broken) as NDJSON lines. */
export function ndjsonOf(csv: string, seed: number): string {
  const rnd = mulberry32(seed);
  const [head, ...lines] = csv.trimEnd().split('\n');
  const cols = head.split(',');
  const out: string[] = [];
  for (const l of lines) {
    const cells = l.split(',');
    const obj: Record<string, unknown> = {};
    cols.forEach((c, i) => {
      if (cells[i] !== undefined && !(cells[i] === '' && rnd() < 0.5)) obj[c] = cells[i];
    });
    const r = rnd();
    if (r < 0.1 && /^\d+(\.\d+)?$/.test(String(obj.total))) obj.total = Number(obj.total); // a number
    else if (r < 0.12) obj.CLAIM_ID = obj.claim_id, delete obj.claim_id; // a key as typed
    else if (r < 0.13) obj.notes = 'extra, "quoted"\nkey';
    else if (r < 0.14) obj.person_id = `${String(obj.person_id)},"x"\r\ny`;
    else if (r < 0.15) obj.total = { yuan: 1 };
    else if (r < 0.16) obj.basic_paid = null;
    else if (r < 0.17) obj.compliant = true;
    let line = JSON.stringify(obj);
    const b = rnd();
    if (b < 0.01) line = line.slice(0, -3); // not JSON
    else if (b < 0.015) line = '[1,2]';
    else if (b < 0.02) line = '{"__proto__": {"x": 1}}';
    else if (b < 0.03) line = '   ';
    else if (b < 0.04) line += '\r';
    else if (b < 0.05) out.push(line); // a duplicate claim_id
    out.push(line);
  }
  return out.join('\n') + (rnd() < 0.5 ? '\n' : '');
}

