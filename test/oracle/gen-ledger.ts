/**
 * Seeded synthetic claims ledger for the oracle comparison test.
 *
 * generateLedger(seed, nClaims) returns CSV text with the header
 *   claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid
 * Deterministic: all randomness comes from mulberry32(seed); no Math.random.
 * Money is generated as integer fen, so every amount has exactly two decimals.
 */

export const LEDGER_HEADER =
  'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';

export type City = 'luan' | 'linyi' | 'xixiu';

export const CITY_CATEGORIES: Record<City, readonly string[]> = {
  luan: ['extremely_poor', 'dibao', 'relapsed', 'monitored', 'on_application', 'alleviated', 'ordinary'],
  linyi: [
    'extremely_poor', 'dibao', 'dibao_marginal', 'expenditure_hardship', 'unstable_alleviated',
    'marginal_at_risk', 'sudden_hardship', 'relapsed', 'alleviated', 'ordinary',
  ],
  xixiu: [
    'extremely_poor', 'dibao', 'alleviated', 'dibao_marginal', 'unstable_alleviated',
    'marginal_at_risk', 'relapsed', 'ordinary',
  ],
};

export const CITY_START: Record<City, string> = {
  luan: '2022-01-01',
  linyi: '2022-01-01',
  xixiu: '2021-08-03',
};

const CITIES: City[] = ['luan', 'linyi', 'xixiu'];
const LEVELS = ['township', 'county', 'city', 'province'];
const MAX_FEN = 60_000_000; // 600,000.00 yuan

/** Interesting points of the cumulative bases, in yuan (deductibles, band edges, caps). */
const EDGE_YUAN: Record<City, number[]> = {
  luan: [15452, 7726, 100000, 200000, 300000, 452361.6, 1500, 3000, 10000, 20000, 40000, 50000],
  linyi: [12000, 6000, 100000, 200000, 300000, 3000, 5000, 10000, 20000, 30000, 500000],
  xixiu: [10897.5, 5448.75, 100000, 200000, 300000, 4000, 10000, 71428.57, 50000],
};

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fen(yuan: number): number {
  return Math.round(yuan * 100);
}

function fmtFen(f: number): string {
  if (!Number.isInteger(f) || f < 0) throw new Error(`bad fen ${f}`);
  return `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`;
}

interface Row {
  claim_id: string;
  person_id: string;
  category: string;
  city: City;
  date: string;
  kind: string;
  hospital_level: string;
  total: number; // fen
  compliant: number; // fen
  basic_paid: number | null; // fen
}

export function generateLedger(seed: number, nClaims: number): string {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const normal = () => {
    // Box-Muller
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };

  const dayIn = (year: number, city: City): string => {
    let start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year, 11, 31);
    const cityStart = Date.parse(CITY_START[city] + 'T00:00:00Z');
    if (start < cityStart) start = cityStart;
    const r = rnd();
    let t: number;
    if (r < 0.03) t = start; // first admissible day
    else if (r < 0.06) t = end; // year end
    else t = start + int(0, Math.round((end - start) / 86400000)) * 86400000;
    return new Date(t).toISOString().slice(0, 10);
  };

  const drawYear = (city: City): number => {
    const r = rnd();
    if (city === 'xixiu' && r < 0.03) return 2021;
    if (r < 0.1) return 2022;
    if (r < 0.4) return 2023;
    if (r < 0.65) return 2024;
    // both sides of the transition's end (spec 10.2) and years past the last held values (10.3)
    if (r < 0.8) return 2025;
    return r < 0.92 ? 2026 : 2027;
  };

  /** A total in fen: mostly log-normal, some tiny, some exactly on edges. */
  const drawTotal = (city: City): number => {
    const r = rnd();
    if (r < 0.05) return int(100, 20000); // 1.00 .. 200.00 yuan
    if (r < 0.12) return fen(pick(EDGE_YUAN[city]));
    if (r < 0.14) return MAX_FEN;
    const y = Math.exp(Math.log(12000) + 1.5 * normal());
    return Math.min(MAX_FEN, Math.max(100, fen(y)));
  };

  const rows: Row[] = [];
  let personNo = 0;
  while (rows.length < nClaims) {
    personNo++;
    const city = pick(CITIES);
    const category = pick(CITY_CATEGORIES[city]);
    const personId = `P${String(personNo).padStart(6, '0')}`;
    const nPerson = Math.min(int(1, 6), nClaims - rows.length);
    const mainYear = drawYear(city);
    let prevDate: string | null = null;
    for (let k = 0; k < nPerson; k++) {
      let date: string;
      if (prevDate !== null && rnd() < 0.2) {
        date = prevDate; // several claims on the same date
      } else {
        const year = rnd() < 0.75 ? mainYear : drawYear(city);
        date = dayIn(year, city);
      }
      prevDate = date;

      let kind: string;
      if (city === 'linyi' && rnd() < 0.1) kind = 'special_drug';
      else kind = rnd() < 0.7 ? 'inpatient' : 'chronic_outpatient';

      const hospital_level = rnd() < 0.2 ? '' : pick(LEVELS);

      let total = drawTotal(city);
      let compliant: number;
      const rc = rnd();
      if (rc < 0.1) compliant = total;
      else if (rc < 0.12) compliant = 0;
      else if (rc < 0.2) {
        // compliant exactly on an edge value, total at least that
        compliant = fen(pick(EDGE_YUAN[city]));
        if (total < compliant) total = Math.min(MAX_FEN, compliant + int(0, 500000));
      } else compliant = Math.floor(total * (0.4 + 0.6 * rnd()));
      if (compliant > total) compliant = total;

      let basic_paid: number | null = null;
      if (rnd() < 0.4) {
        const rb = rnd();
        if (rb < 0.05) basic_paid = 0;
        else if (rb < 0.08) basic_paid = compliant;
        else if (rb < 0.3) {
          // put this claim's oop1 exactly on an edge value when possible
          const target = fen(pick(EDGE_YUAN[city]));
          basic_paid = target <= compliant ? compliant - target : Math.floor(compliant * 0.7);
        } else basic_paid = Math.floor(compliant * (0.3 + 0.6 * rnd()));
      }

      rows.push({
        claim_id: '', // assigned below
        person_id: personId,
        category,
        city,
        date,
        kind,
        hospital_level,
        total,
        compliant,
        basic_paid,
      });
    }
  }

  rows.forEach((r, i) => {
    r.claim_id = `C${String(seed >>> 0).padStart(10, '0')}-${String(i + 1).padStart(6, '0')}`;
  });

  // Fisher-Yates shuffle: rows are not in date order, but a person's same-date claims keep
  // whatever relative order the shuffle gives them (that order is the tie-break).
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }

  const lines = [LEDGER_HEADER];
  for (const r of rows) {
    lines.push(
      [
        r.claim_id, r.person_id, r.category, r.city, r.date, r.kind, r.hospital_level,
        fmtFen(r.total), fmtFen(r.compliant), r.basic_paid === null ? '' : fmtFen(r.basic_paid),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
