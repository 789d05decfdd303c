// A roster cut into partitions by person (a job's budget, functions/jobs/budget.ts): all the rows of
// one person in one partition, in input order, so that each partition's count (count.ts
// RosterCounter) judges that person's duplicates as the whole roster's count does, and mergeCounts
// adds the partitions' counts up to the whole roster's. The person is the one RosterReader reads
// (person_id trimmed); a row it cannot read is rejected wherever it goes, and goes by its line.
import { YibaoError } from '../errors';
import type { CsvRecord } from '../csv';
import { RosterReader, rosterHeader } from '../roster';
import type { Book } from '../policy/load';
import { hashA } from './persons';

export class RosterSplitter {
  private readonly reader: RosterReader;
  /** header: the roster's (checked: a header the budget cannot read throws, as the budget does). */
  constructor(book: Book, header: string[], readonly parts: number) {
    this.reader = new RosterReader(book, rosterHeader(header));
  }

  /** The partition of a record (0 … parts − 1). */
  partOf(rec: CsvRecord): number {
    let id: string;
    try {
      id = this.reader.entry(rec).person_id;
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      return rec.line % this.parts;
    }
    return (hashA(id) >>> 0) % this.parts;
  }
}

/** A record as one line of a partition (JSON: its line, cells and any reading error kept exactly). */
export function recordLine(rec: CsvRecord): string {
  return JSON.stringify(rec.error === undefined ? [rec.line, rec.cells] : [rec.line, rec.cells, rec.error]) + '\n';
}

/** A line of a partition back to its record. */
export function lineRecord(line: string): CsvRecord {
  const [ln, cells, error] = JSON.parse(line) as [number, string[], string | undefined];
  return error === undefined ? { line: ln, cells } : { line: ln, cells, error };
}
