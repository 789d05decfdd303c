/**
 * Differential test: the project's CLI against the independent Python oracle
 * (test/oracle/oracle.py), row by row and column by column, to the fen.
 *
 * Needs python3 (3.11+, standard library only) and the built CLI bin/yibao.js.
 * Nothing is skipped: a missing python3 or CLI fails the test with a message.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateLedger, LEDGER_HEADER, CITY_CATEGORIES, CITY_START, City } from './oracle/gen-ledger';

const ROOT = path.resolve(__dirname, '..');
const ORACLE = path.join(ROOT, 'test', 'oracle', 'oracle.py');
// YIBAO_CLI overrides the CLI script (for checking this test itself against a stand-in).
const CLI = process.env.YIBAO_CLI ? path.resolve(process.env.YIBAO_CLI) : path.join(ROOT, 'bin', 'yibao.js');
const SEEDS = [1, 20240607, 987654321];
const N_CLAIMS = 3000;
const AMOUNT_COLUMNS = ['basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'] as const;
const OUT_COLUMNS = ['claim_id', ...AMOUNT_COLUMNS, 'warning'];
const MAX_REPORTED = 25;

jest.setTimeout(180_000);

// ---------------------------------------------------------------------------
// helpers

let pythonChecked: string | null = null;
function python(): string {
  if (pythonChecked) return pythonChecked;
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[:2] >= (3, 11))'], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      'python3 is required for the oracle test but could not be run ' +
        `(${r.error ? r.error.message : 'exit ' + r.status}). Install Python 3.11+ and put python3 on PATH.`,
    );
  }
  if (r.stdout.trim() !== 'True') {
    throw new Error('python3 must be version 3.11 or newer for test/oracle/oracle.py');
  }
  pythonChecked = 'python3';
  return pythonChecked;
}

function runOracle(inCsv: string, outCsv: string): void {
  const r = spawnSync(python(), [ORACLE, inCsv, outCsv], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`oracle failed (exit ${r.status}): ${r.error?.message ?? ''}\n${r.stderr}`);
  }
}

function runCli(inCsv: string, outCsv: string): void {
  if (!fs.existsSync(CLI)) {
    throw new Error(`CLI not found at ${CLI}: build the project first (npm run build)`);
  }
  const r = spawnSync(process.execPath, [CLI, 'settle', inCsv, '--out', outCsv], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `CLI failed (exit ${r.status}): ${r.error?.message ?? ''}\nstdout:\n${r.stdout.slice(0, 2000)}\nstderr:\n${r.stderr.slice(0, 4000)}`,
    );
  }
  if (!fs.existsSync(outCsv)) throw new Error(`CLI exited 0 but wrote no ${outCsv}`);
}

/** Minimal RFC 4180 parser (quotes, doubled quotes, CRLF, BOM). */
function parseCsv(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

type Table = { header: string[]; rows: Record<string, string>[] };

function readTable(file: string): Table {
  const [header, ...body] = parseCsv(fs.readFileSync(file, 'utf8'));
  if (!header) throw new Error(`${file} is empty`);
  const h = header.map((x) => x.trim());
  return {
    header: h,
    rows: body.map((cells) => Object.fromEntries(h.map((name, i) => [name, (cells[i] ?? '').trim()]))),
  };
}

/** Exact decimal string -> integer fen (BigInt); null if not a plain decimal with ≤2 significant decimals. */
function toFen(s: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return null;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 2) return null;
  const v = BigInt(m[2]) * 100n + BigInt((frac + '00').slice(0, 2));
  return m[1] === '-' ? -v : v;
}

interface Mismatch {
  claim_id: string;
  column: string;
  engine: string;
  oracle: string;
}

function compareTables(engine: Table, oracle: Table, inputIds: string[]): { problems: string[]; mismatches: Mismatch[] } {
  const problems: string[] = [];
  const mismatches: Mismatch[] = [];
  const missingCols = OUT_COLUMNS.filter((c) => !engine.header.includes(c));
  if (missingCols.length) {
    problems.push(`engine output lacks column(s) ${missingCols.join(', ')}; header is: ${engine.header.join(',')}`);
    return { problems, mismatches };
  }
  if (engine.rows.length !== oracle.rows.length) {
    problems.push(`row count: engine ${engine.rows.length}, oracle ${oracle.rows.length}, input ${inputIds.length}`);
  }
  const engineById = new Map<string, Record<string, string>>();
  engine.rows.forEach((r) => {
    if (engineById.has(r.claim_id)) problems.push(`engine output repeats claim_id ${r.claim_id}`);
    engineById.set(r.claim_id, r);
  });
  // rows in input order
  const orderBad = engine.rows.findIndex((r, i) => r.claim_id !== inputIds[i]);
  if (orderBad >= 0 && engine.rows.length === inputIds.length) {
    problems.push(
      `engine rows not in input order: row ${orderBad + 1} is ${engine.rows[orderBad].claim_id}, input has ${inputIds[orderBad]}`,
    );
  }
  for (const o of oracle.rows) {
    const e = engineById.get(o.claim_id);
    if (!e) {
      mismatches.push({ claim_id: o.claim_id, column: '(row)', engine: '<missing>', oracle: 'present' });
      continue;
    }
    for (const col of AMOUNT_COLUMNS) {
      const ef = toFen(e[col]);
      const of = toFen(o[col]);
      if (of === null) throw new Error(`oracle wrote a bad amount ${o[col]} for ${o.claim_id}.${col}`);
      if (ef === null || ef !== of) mismatches.push({ claim_id: o.claim_id, column: col, engine: e[col], oracle: o[col] });
    }
    if (e.warning !== o.warning) {
      mismatches.push({ claim_id: o.claim_id, column: 'warning', engine: e.warning, oracle: o.warning });
    }
  }
  return { problems, mismatches };
}

function formatReport(seed: number, dir: string, problems: string[], mismatches: Mismatch[], input: Map<string, string>): string {
  const byCol = new Map<string, number>();
  mismatches.forEach((m) => byCol.set(m.column, (byCol.get(m.column) ?? 0) + 1));
  const lines = [
    `seed ${seed}: ${problems.length} structural problem(s), ${mismatches.length} cell mismatch(es) ` +
      `[${[...byCol].map(([c, n]) => `${c}: ${n}`).join(', ')}]; files kept in ${dir}`,
    ...problems.map((p) => `  ${p}`),
    ...mismatches
      .slice(0, MAX_REPORTED)
      .map((m) => `  ${m.claim_id} ${m.column}: engine ${JSON.stringify(m.engine)} vs oracle ${JSON.stringify(m.oracle)}   input: ${input.get(m.claim_id)}`),
  ];
  if (mismatches.length > MAX_REPORTED) lines.push(`  ... ${mismatches.length - MAX_REPORTED} more`);
  return lines.join('\n');
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-oracle-'));
}

// ---------------------------------------------------------------------------
// the oracle on its own

describe('oracle self-checks', () => {
  test('python3 is available', () => {
    expect(python()).toBe('python3');
  });

  test('section 2 band check, section 9 example and hand-computed cases (oracle.py --selftest)', () => {
    const r = spawnSync(python(), [ORACLE, '--selftest'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`oracle selftest failed:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain('ok   section 2 band check Fcrit(170000) = 87000.00');
    expect(r.stdout).toContain('selftest passed');
  });

  test('section 9 worked example through the CSV path', () => {
    const dir = tmpDir();
    const inCsv = path.join(dir, 'in.csv');
    const outCsv = path.join(dir, 'out.csv');
    fs.writeFileSync(inCsv, `${LEDGER_HEADER}\nex9,P1,dibao,linyi,2023-05-01,inpatient,county,60000,50000,30000\n`);
    runOracle(inCsv, outCsv);
    const t = readTable(outCsv);
    expect(t.header).toEqual(OUT_COLUMNS);
    expect(t.rows).toEqual([
      {
        claim_id: 'ex9',
        basic: '30000.00',
        critical: '9100.00',
        assistance: '7630.00',
        reassist: '0.00',
        oop_compliant: '3270.00',
        oop_total: '13270.00',
        warning: '',
      },
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// ---------------------------------------------------------------------------
// the generator

describe('generated ledger', () => {
  const text = generateLedger(SEEDS[0], N_CLAIMS);
  const table = (() => {
    const [header, ...body] = parseCsv(text);
    return { header, rows: body.map((c) => Object.fromEntries(header.map((h, i) => [h, c[i]]))) };
  })();

  test('is deterministic and well formed', () => {
    expect(generateLedger(SEEDS[0], N_CLAIMS)).toBe(text);
    expect(generateLedger(SEEDS[1], 50)).not.toBe(generateLedger(SEEDS[2], 50));
    expect(table.header.join(',')).toBe(LEDGER_HEADER);
    expect(table.rows).toHaveLength(N_CLAIMS);
    expect(new Set(table.rows.map((r) => r.claim_id)).size).toBe(N_CLAIMS);
  });

  test('respects the invariants the oracle relies on', () => {
    const money = /^\d+\.\d\d$/;
    const personCat = new Map<string, string>();
    for (const r of table.rows) {
      const city = r.city as City;
      expect(CITY_CATEGORIES[city]).toContain(r.category);
      expect(r.date >= CITY_START[city]).toBe(true);
      expect(r.date <= '2027-12-31').toBe(true);
      expect(['inpatient', 'chronic_outpatient', ...(city === 'linyi' ? ['special_drug'] : [])]).toContain(r.kind);
      expect(r.total).toMatch(money);
      expect(r.compliant).toMatch(money);
      expect(toFen(r.compliant)! <= toFen(r.total)!).toBe(true);
      expect(toFen(r.total)! <= 60_000_000n).toBe(true);
      if (r.basic_paid !== '') {
        expect(r.basic_paid).toMatch(money);
        expect(toFen(r.basic_paid)! <= toFen(r.compliant)!).toBe(true);
      }
      const prev = personCat.get(r.person_id);
      if (prev) expect(r.category + '@' + r.city).toBe(prev);
      personCat.set(r.person_id, r.category + '@' + r.city);
    }
  });

  test('covers what the comparison needs', () => {
    const rows = table.rows;
    const cities = new Set(rows.map((r) => r.city));
    expect([...cities].sort()).toEqual(['linyi', 'luan', 'xixiu']);
    const years = new Set(rows.map((r) => r.date.slice(0, 4)));
    // inside the transition, after its end (spec 10.2) and past the last held yearly values (10.3)
    for (const y of ['2022', '2023', '2024', '2025', '2026', '2027']) expect(years).toContain(y);
    const lapsed = rows.filter((r) => r.city === 'linyi' && r.date > '2025-12-31' && ['dibao_marginal', 'unstable_alleviated', 'marginal_at_risk'].includes(r.category));
    expect(lapsed.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.city === 'xixiu' && ['unstable_alleviated', 'relapsed'].includes(r.category)).length).toBeGreaterThan(20);
    const share = rows.filter((r) => r.basic_paid !== '').length / rows.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
    expect(rows.some((r) => r.kind === 'special_drug')).toBe(true);
    // some persons have several claims on one date
    const pd = new Map<string, number>();
    rows.forEach((r) => pd.set(r.person_id + r.date, (pd.get(r.person_id + r.date) ?? 0) + 1));
    expect([...pd.values()].some((n) => n > 1)).toBe(true);
    // shuffled: not in date order
    const dates = rows.map((r) => r.date);
    expect(dates.join() === [...dates].sort().join()).toBe(false);
    // every category each city accepts shows up
    for (const city of Object.keys(CITY_CATEGORIES) as City[]) {
      const seen = new Set(rows.filter((r) => r.city === city).map((r) => r.category));
      expect([...seen].sort()).toEqual([...CITY_CATEGORIES[city]].sort());
    }
    // tiny amounts and large ones
    expect(rows.some((r) => toFen(r.total)! < 10_000n)).toBe(true);
    expect(rows.some((r) => toFen(r.total)! >= 50_000_000n)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// the engine's CLI against the oracle

describe.each(SEEDS)('CLI settle vs oracle, seed %i', (seed) => {
  test(`${N_CLAIMS} claims agree to the fen`, () => {
    python(); // fail first with the python message if it is missing
    const dir = tmpDir();
    const inCsv = path.join(dir, 'ledger.csv');
    const engineCsv = path.join(dir, 'engine.csv');
    const oracleCsv = path.join(dir, 'oracle.csv');
    const text = generateLedger(seed, N_CLAIMS);
    fs.writeFileSync(inCsv, text);

    try {
      runOracle(inCsv, oracleCsv);
      runCli(inCsv, engineCsv);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }

    const inputLines = text.trim().split('\n').slice(1);
    const inputIds = inputLines.map((l) => l.split(',')[0]);
    const inputById = new Map(inputLines.map((l) => [l.split(',')[0], l]));
    const oracle = readTable(oracleCsv);
    expect(oracle.rows.map((r) => r.claim_id)).toEqual(inputIds);
    const engine = readTable(engineCsv);

    const { problems, mismatches } = compareTables(engine, oracle, inputIds);
    if (problems.length || mismatches.length) {
      throw new Error(formatReport(seed, dir, problems, mismatches, inputById));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
