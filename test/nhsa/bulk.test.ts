// The columnar ledger (engine/ledger, BulkLedger) on exports under the national platform's names and
// with --city / --category-column: the same bytes as settleLedger + engine/output.ts (resultsTable or
// nhsaResultsTable), rejected rows and summary included, on the fixtures and on generated exports
// (certno good, bad and mismatched, every med_type group, unknown med_type, setl_time forms,
// duplicates, unreadable rows), in one instance and split across a reader and a settler.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  defaultBook, csvLedgerRows, settleLedger, resultsTable, nhsaResultsTable, rejectedTable, toCsv, summaryText,
  type LedgerHeaderOptions,
} from '../../engine';
import { BulkLedger, BulkUnsupported } from '../../engine/ledger/bulk';
import { generateLedger } from '../oracle/gen-ledger';
import { exportOf } from './forms';
import { viaPartitions } from '../bulk/ledgers';

const FIX = path.join(__dirname, 'fixtures');
const book = defaultBook();
const enc = new TextEncoder();
const dec = new TextDecoder();

type Format = 'spec' | 'nhsa';

function viaRows(text: string, opts: LedgerHeaderOptions, format: Format) {
  const outcome = settleLedger(book, csvLedgerRows(text, opts).rows);
  const table = format === 'nhsa' ? nhsaResultsTable(outcome) : resultsTable(outcome);
  return { results: toCsv(table), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome) };
}

/** split: a reader and a settler (as across two threads), batches passed through structuredClone. */
function viaColumns(text: string, opts: LedgerHeaderOptions, format: Format, chunk = 1 << 20, split = false) {
  const bytes = enc.encode(text);
  const ledger = new BulkLedger(book, { ...opts, format, role: split ? 'settler' : 'both' });
  const reader = split ? new BulkLedger(book, { ...opts, format, role: 'reader', onBatch: (b) => ledger.consume(structuredClone(b)) }) : ledger;
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  reader.end();
  if (split) ledger.endWith(reader.exportIds());
  const parts: string[] = [];
  ledger.writeResults((b) => parts.push(dec.decode(b)), 4096);
  const outcome = ledger.outcome();
  return { results: parts.join(''), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome) };
}


async function expectSameInParts(text: string, opts: LedgerHeaderOptions, format: Format): Promise<void> {
  const want = viaRows(text, opts, format);
  for (const [parts, chunk] of [[1, 1 << 20], [4, 333], [9, 4096]] as const) {
    const got = await viaPartitions(text, parts, chunk, { input: { ...opts, format } }); // a splitter maps the rows once, the partitions are spec ledgers
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
  }
}

function expectSame(text: string, opts: LedgerHeaderOptions, format: Format): ReturnType<typeof viaRows> {
  const want = viaRows(text, opts, format);
  for (const [chunk, split] of [[1 << 20, false], [97, false], [4093, true]] as const) {
    const got = viaColumns(text, opts, format, chunk, split);
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
  }
  return want;
}

/** The error a run throws (its message), or undefined. */
function thrown(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

describe('the fixtures', () => {
  const exportCsv = fs.readFileSync(path.join(FIX, 'export.csv'), 'utf8');
  const specCsv = fs.readFileSync(path.join(FIX, 'spec.csv'), 'utf8');

  test.each(['spec', 'nhsa'] as const)('export.csv and spec.csv, results under the %s names', (format) => {
    const nhsa = expectSame(exportCsv, {}, format);
    expectSame(specCsv, {}, format);
    expect(nhsa.results.split('\n').length).toBeGreaterThan(15);
  });

  test('the export with its rows broken: rejected rows as the row path rejects them', () => {
    const lines = exportCsv.trimEnd().split('\n');
    const broken = [
      ...lines,
      lines[3].replace(/,21,/, ',15,'),
      lines[4].replace(/,\d{4}-\d\d-\d\d[ T][^,]*,/, ',2023-02-30 10:00,'),
      lines[5].replace(/^S\d+/, 'S-NEW').replace(/,(\d{17})(\d),/, (_m, b: string, d: string) => `,${b}${d === '0' ? '1' : '0'},`),
      lines[1], // a duplicate setl_id
      lines[2].replace(/,14,/, ',77,'),
      '"S-open,P1',
    ].join('\n') + '\n';
    const want = expectSame(broken, {}, 'nhsa');
    expect(want.rejected.split('\n').length).toBeGreaterThan(6);
  });
});

describe('generated exports', () => {
  test.each([1, 2, 3])('seed %i: a city column and a category header', (seed) => {
    const text = exportOf(seed, 1500, { cityColumn: true, categoryHeader: 'category' });
    const want = expectSame(text, {}, 'nhsa');
    expect(want.rejected).toMatch(/校验位不符/);
    expect(want.rejected).toMatch(/在前面行属于另一人员编号/);
    expect(want.rejected).toMatch(/本行为/);
    expect(want.rejected).toMatch(/不在可识别的代码表中/);
    expect(want.rejected).toMatch(/不是本产品结算的类别/);
    expect(want.rejected).toMatch(/setl_time/);
    expect(want.rejected).toMatch(/重复/);
    expect(want.results.split('\n').length).toBeGreaterThan(1000);
    expectSame(text, {}, 'spec');
  });

  test.each(['linyi', '六安市', 'xixiu'])('--city %s for an export without a city column, --category-column', (city) => {
    const id = { linyi: 'linyi', 六安市: 'luan', xixiu: 'xixiu' }[city]!;
    const full = exportOf(11, 2000, { cityColumn: true, categoryHeader: '困难类别' });
    // keep the city's rows, then drop the city column (the fourth)
    const text = full.trimEnd().split('\n').filter((l, i) => i === 0 || l.split(',')[3] === id).map((l) => l.split(',').filter((_, i) => i !== 3).join(',')).join('\n') + '\n';
    expect(text.split('\n').length).toBeGreaterThan(200);
    expectSame(text, { city }, 'nhsa');
    expectSame(text, { city, categoryColumn: '困难类别' }, 'spec');
    // the category under its own header, named by the option
    const renamed = text.replace(/^([^\n]*)困难类别/, '$1mams_class');
    expectSame(renamed, { city, categoryColumn: 'MAMS_Class' }, 'nhsa');
  });

  test('the spec\'s names with --city or --category-column, and --format nhsa on a spec ledger', () => {
    const spec = generateLedger(4, 1500);
    const [head, ...lines] = spec.trimEnd().split('\n');
    const cityAt = head.split(',').indexOf('city');
    const linyi = [head, ...lines.filter((l) => l.split(',')[cityAt] === 'linyi')].map((l) => l.split(',').filter((_, i) => i !== cityAt).join(',')).join('\n') + '\n';
    expectSame(linyi, { city: '临沂' }, 'spec');
    expectSame(spec.replace(/^([^\n]*)category/, '$1kind_of_person'), { categoryColumn: 'kind_of_person' }, 'nhsa');
    expectSame(spec, {}, 'nhsa');
  });

  test('a header the plan refuses fails alike on both paths (no category, mixed names, city twice)', () => {
    const text = exportOf(5, 50, { cityColumn: true, categoryHeader: 'category' });
    const cases: [string, LedgerHeaderOptions][] = [
      [text.replace(/^([^\n]*)category/, '$1notes'), {}],
      [text.replace(/^setl_id/, 'claim_id'), {}],
      [text, { city: 'linyi' }],
      [text, { categoryColumn: 'nowhere' }],
      [text.replace(/^([^\n]*),city/, '$1,place'), {}],
    ];
    for (const [t, opts] of cases) {
      const want = thrown(() => viaRows(t, opts, 'nhsa'));
      expect(want).toBeDefined();
      expect(thrown(() => viaColumns(t, opts, 'nhsa'))).toBe(want);
    }
  });

  test.each([7, 8])('seed %i in partitions: the splitter maps every row once (certnos across persons), partitions settle spec records', async (seed) => {
    const text = exportOf(seed, 1500, { cityColumn: true, categoryHeader: 'category' });
    await expectSameInParts(text, {}, 'nhsa');
    await expectSameInParts(text, {}, 'spec');
    const linyi = text.trimEnd().split('\n').filter((l, i) => i === 0 || l.split(',')[3] === 'linyi').map((l) => l.split(',').filter((_, i) => i !== 3).join(',')).join('\n') + '\n';
    // a county column carried to the partitions; the category under a Chinese header
    const counties = ['兰山区', ' 罗庄区 ', '"河东区,东"', ''];
    const withCounty = linyi.trimEnd().split('\n').map((l, i) => {
      const c = l.split(',');
      c.splice(3, 0, i === 0 ? 'county' : counties[i % counties.length]);
      return c.join(',');
    }).join('\n').replace(/^([^\n]*),category,/, '$1,人员类别,') + '\n';
    await expectSameInParts(withCounty, { city: 'linyi' }, 'nhsa');
  });

  test('a platform export without a format is handed back (BulkUnsupported); a roster under a plan is not (test/nhsa/roster.test.ts)', () => {
    const text = exportOf(6, 50, { cityColumn: true, categoryHeader: 'category' });
    // without a format: the shells' default (the platform's names) is theirs to choose
    expect(() => new BulkLedger(book).push(enc.encode(text))).toThrow(new BulkUnsupported("the national platform's column names"));
  });
});
