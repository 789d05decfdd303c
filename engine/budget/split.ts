// A roster cut into partitions by person (a job's budget, functions/jobs/budget.ts): all the rows of
// one person in one partition, in input order, so that each partition's count (count.ts
// RosterCounter) judges that person's duplicates as the whole roster's count does, and mergeCounts
// adds the partitions' counts up to the whole roster's. The person is the one RosterReader reads
// (the person_id cell, trimmed); a row RosterReader cannot take whole (a reading error, the wrong
// number of cells) is rejected wherever it goes, and goes by its line.
import { CsvRecordReader, type CsvRecord } from '../ledger/scan';
import { rosterHeader, type RosterHeader } from '../roster';
import { hashA } from './persons';

export class RosterSplitter {
  private readonly header: RosterHeader;
  /** header: the roster's (checked: a header the budget cannot read throws, as the budget does). */
  constructor(header: string[], readonly parts: number) {
    this.header = rosterHeader(header);
  }

  /** The partition of a record (0 … parts − 1). */
  partOf(rec: CsvRecord): number {
    if (rec.error || rec.cells.length !== this.header.width) return rec.line % this.parts;
    return (hashA(rec.cells[this.header.index.person_id].trim()) >>> 0) % this.parts;
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

/**
 * A roster's bytes (UTF-8, as readCsvStream reads them) split by person: its header to `start` (which
 * may throw: the budget's checks before reading), then each record as a line (recordLine) to `put`
 * with its partition, in input order. Records are taken a chunk at a time (no wait per record).
 * Returns the records read after the header, or undefined for a roster without one.
 */
export async function splitRoster(chunks: AsyncIterable<Uint8Array>, parts: number, start: (header: string[]) => void, put: (k: number, line: string) => void): Promise<number | undefined> {
  const reader = new CsvRecordReader();
  let splitter: RosterSplitter | undefined;
  let read = 0;
  const take = (records: CsvRecord[]) => {
    for (const rec of records) {
      if (!splitter) {
        start(rec.cells);
        splitter = new RosterSplitter(rec.cells, parts);
        continue;
      }
      put(splitter.partOf(rec), recordLine(rec));
      read++;
    }
  };
  for await (const chunk of chunks) take(reader.push(chunk));
  take(reader.finish());
  return splitter ? read : undefined;
}
