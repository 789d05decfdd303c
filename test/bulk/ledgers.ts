// Ledgers for the bulk-path tests: generated ones with bad rows mixed in, and what settleLedger +
// engine/output.ts make of them (the reference every bulk run is compared with).
import {
  defaultBook, settleLedger, csvLedgerRows, resultsTable, rejectedTable, toCsv, summaryText, BulkLedger, PartWriter, linesOf, mergeOutcomes,
  mergeResultsByLine, HalfSettler, type Book, type LedgerInput, type PartStream, type Scenario, type PartStorage, type IdsExport,
  type GroupKey, type MergedRun, type RecordBatch, type PartSummary,
} from '../../engine';
import { settleHalves } from '../../engine/run/partitioned';
import { duplicateLines, sortedLines } from '../../engine/bulk/partition';
import { NHSA_RESULT_COLUMNS } from '../../engine/output';
import { mulberry32, CITY_CATEGORIES, type City } from '../oracle/gen-ledger';

const book = defaultBook();
const enc = new TextEncoder();
const dec = new TextDecoder();

export function viaEngine(text: string, scenario?: Scenario, policy: Book = book) {
  const outcome = settleLedger(policy, csvLedgerRows(text).rows, { scenario });
  return { results: toCsv(resultsTable(outcome)), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome) };
}

/** Bad rows, duplicates and awkward cells mixed into a generated ledger. */
export function withBadRows(text: string, seed: number): string {
  const rnd = mulberry32(seed);
  const lines = text.trimEnd().split('\n');
  const header = lines.shift()!;
  const pick = () => lines[Math.floor(rnd() * lines.length)];
  const bad = [
    (l: string) => l.replace(/,[^,]*$/, ',-5'), // negative amount
    (l: string) => l.replace(/^[^,]*,/, ','), // empty claim_id
    (l: string) => l.replace(/,(luan|linyi|xixiu),/, ',beijing,'),
    (l: string) => l.replace(/,(\d{4})-(\d\d)-(\d\d),/, ',$1-13-$3,'),
    (l: string) => l.replace(/,(\d{4})-(\d\d)-(\d\d),/, ',2019-01-01,'), // before the policy
    (l: string) => l + ',extra',
    (l: string) => l.split(',').slice(0, 5).join(','),
    (l: string) => l.replace(/,(inpatient|chronic_outpatient|special_drug),/, ',outpatient,'),
    (l: string) => l.replace(/,(inpatient|chronic_outpatient),/, ',special_drug,'), // no drug track outside Linyi
    (l: string) => l.replace(/,(\d+\.\d\d),(\d+\.\d\d),/, ',$2,$1,'), // compliant > total (mostly)
    (l: string) => l.replace(/,(\d+\.\d\d),/, ',1e5,'),
    (l: string) => l.replace(/,(\d+\.\d\d),/, ',100000000.001,'),
    (l: string) => l.replace(/,(\d+\.\d\d),/, ', 12.345 ,'), // spaces and a third decimal: valid
    (l: string) => l.replace(/,(\d+\.\d\d),/, ',"1,234.5",'),
    (l: string) => l.replace(/^([^,]*),/, '"$1",'), // quoted claim id: valid
    (l: string) => l.replace(/,(township|county|city|province),/, ',县级,'),
    (l: string) => l.replace(/,(luan|linyi|xixiu),/, (m, c) => `,${{ luan: '六安市', linyi: '临沂', xixiu: '西秀区' }[c as string]},`),
    (l: string) => l.replace(/,ordinary,/, ',普通居民,').replace(/,dibao,/, ',低保,'),
    (l: string) => l.replace(/^[^,]*,/, '=cmd,'),
    (l: string) => l.replace(/^[^,]*,/, '"a,b""c",'),
    (l: string) => l.replace(/,P/, ',\u3000P'), // ideographic space around a person id
    (l: string) => '   ',
    (l: string) => '',
    (l: string) => l.replace(/^[^,]*,/, '"multi\nline",'),
    (l: string) => l.replace(/^([^,]*),[^,]*,/, '$1,P-elsewhere,'), // a claim_id seen before, on another person
  ];
  const out: string[] = [];
  for (const l of lines) {
    out.push(l);
    const r = rnd();
    if (r < 0.03) out.push(pick()); // duplicate claim id (a later row)
    else if (r < 0.12) out.push(bad[Math.floor(rnd() * bad.length)](pick()));
  }
  return [header, ...out].join(rnd() < 0.5 ? '\n' : '\r\n') + '\n';
}

/**
 * engine/bulk/partition.ts's four steps by hand, in memory (streams per partition as byte arrays, small
 * pieces and chunks), as engine/run/partitioned.ts runs them.
 */
export async function viaPartitions(text: string, parts: number, chunk: number, opts: { scenario?: Scenario; policy?: Book; input?: LedgerInput } = {}) {
  const { scenario, policy = book, input } = opts;
  const streams = new Map<string, Uint8Array[]>();
  const writer = new PartWriter(parts, (stream: PartStream, k, bytes) => {
    const key = `${stream}-${k}`;
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key)!.push(bytes.slice());
  }, 256); // small pieces: many flushes
  const splitter = new BulkLedger(policy, { role: 'splitter', scenario, split: writer, ...input });
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
  splitter.end();
  const whole = (key: string) => Buffer.concat(streams.get(key) ?? []);
  const duplicates = sortedLines([...Array(parts).keys()].map((k) => duplicateLines(whole(`ids-${k}`))));
  const summaries = [];
  const framed: Uint8Array[][] = [];
  for (let k = 0; k < parts; k++) {
    if (!writer.counts[k]) continue;
    const lines = linesOf(whole(`lines-${k}`));
    expect(lines.length).toBe(writer.counts[k]);
    const ledger = new BulkLedger(policy, { scenario, lines, duplicates, format: input?.format });
    const rows = whole(`rows-${k}`);
    for (let i = 0; i < rows.length; i += chunk) ledger.push(rows.subarray(i, i + chunk));
    ledger.end();
    const out: Uint8Array[] = [];
    ledger.writeFramed((b) => out.push(b.slice()), 1000);
    framed.push(out);
    summaries.push(ledger.partSummary());
  }
  const pieces: Uint8Array[] = [];
  const sources = framed.map((chunks) => () => chunks.shift() ?? null);
  const rows = await mergeResultsByLine(sources, (b) => void pieces.push(b.slice()), 777, input?.format === 'nhsa' ? NHSA_RESULT_COLUMNS : undefined);
  const outcome = mergeOutcomes(policy, scenario, splitter.read, splitter.rejections, summaries);
  expect(rows).toBe(outcome.summary.settled);
  return { results: pieces.map((p) => dec.decode(p)).join(''), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome), duplicates, summaries };
}

/** Parts as byte arrays in memory (engine/run/storage.ts PartStorage). */
class MemoryParts implements PartStorage {
  readonly parts = new Map<string, Uint8Array>();
  append(name: string, bytes: Uint8Array): void {
    const old = this.parts.get(name) ?? new Uint8Array(0);
    const out = new Uint8Array(old.length + bytes.length);
    out.set(old);
    out.set(bytes, old.length);
    this.parts.set(name, out);
  }
  flush(): void {}
  size(name: string): number {
    return this.parts.get(name)?.length ?? 0;
  }
  read(name: string, offset: number, into: Uint8Array): number {
    const part = (this.parts.get(name) ?? new Uint8Array(0)).subarray(offset, offset + into.length);
    into.set(part);
    return part.length;
  }
  remove(name: string): void {
    this.parts.delete(name);
  }
}

/**
 * engine/run/partitioned.ts settleHalves with both settlers on this thread: the reader (as the command
 * line's reader thread runs it, hashing persons) hands each batch to one settler, then to the other, as
 * the command line's threads do.
 */
export async function viaHalves(text: string, chunk: number, opts: { scenario?: Scenario; policy?: Book; input?: LedgerInput; groups?: GroupKey[]; claimWarnings?: boolean } = {}) {
  const { scenario, policy = book, input, groups, claimWarnings } = opts;
  const job = { scenario, groups, input, claimWarnings };
  const storage = new MemoryParts();
  const other = new HalfSettler(policy, job, 0, 1);
  let ids: IdsExport | undefined;
  let theirs: PartSummary | undefined;
  const halves = {
    reader: (findDuplicates: boolean, rowsHint: number, consume: (b: RecordBatch) => void) => {
      const reader = new BulkLedger(policy, { ...input, role: 'reader', findDuplicates, personHash: true, rowsHint, onBatch: (b) => { consume(b); other.consume(b); } });
      const bytes = enc.encode(text);
      for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
      reader.end();
      return (ids = reader.exportIds());
    },
    other: async () => (theirs = other.end(ids!, storage)),
    stop: async () => undefined,
  };
  const pieces: Uint8Array[] = [];
  const run: MergedRun = await settleHalves(policy, storage, halves, job, 0, (b) => void pieces.push(b.slice()));
  const outcome = run.outcome;
  return { results: pieces.map((p) => dec.decode(p)).join(''), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome), run, theirs: theirs! };
}

/**
 * Roster rows for these persons (person id → city): three in four listed, some two or three times
 * (other categories, benefit windows, now and then `otherCity`), a county or none, and now and then
 * (`rejectedRate`) a row the roster rejects.
 */
export function rosterRows(persons: Map<string, City>, rnd: () => number, otherCity: (city: City) => string, rejectedRate: number): string {
  const day = () => `${2022 + Math.floor(rnd() * 3)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
  const out = ['person_id,id_number,city,county,category,included_on,exited_on'];
  for (const [p, city] of persons) {
    if (rnd() < 0.25) continue;
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
      let inc = rnd() < 0.5 ? day() : '';
      let exi = rnd() < 0.3 ? day() : '';
      if (inc && exi && exi < inc) [inc, exi] = [exi, inc];
      const cats = CITY_CATEGORIES[city];
      out.push(`${p},,${rnd() < 0.05 ? otherCity(city) : city},${['兰山区', '河东区', '', '金安区'][Math.floor(rnd() * 4)]},${cats[Math.floor(rnd() * cats.length)]},${inc},${exi}`);
    }
    if (rnd() < rejectedRate) out.push(`${p},,nowhere,,dibao,,`); // rejected
  }
  return out.join('\n') + '\n';
}
