// Where a partitioned run keeps its parts (engine/run/partitioned.ts): named byte files, appended to
// while the ledger is split, read back in ranges, removed as soon as they are used. The command line
// gives it files in a temporary folder (node/part-files.ts); the pipeline itself knows no files.
import type { PartStream } from '../bulk/partition';

export interface PartStorage {
  /** Add bytes at the end of a part (created by its first append). */
  append(name: string, bytes: Uint8Array): void;
  /** The parts appended to so far are complete (a file storage closes their handles). */
  flush(): void;
  /** The part's size in bytes (0: none). */
  size(name: string): number;
  /** Read the part's bytes from `offset` into `into`; the number read (0 at the end). */
  read(name: string, offset: number, into: Uint8Array): number;
  remove(name: string): void;
}

/** The name of partition k's stream: rows-3, lines-3, ids-3, results-3. */
export const partName = (stream: PartStream | 'results', k: number): string => `${stream}-${k}`;

/** A whole part (the lines and ids streams: a few MB each). */
export function readPart(storage: PartStorage, name: string): Uint8Array {
  const out = new Uint8Array(storage.size(name));
  for (let at = 0; at < out.length; ) {
    const n = storage.read(name, at, out.subarray(at));
    if (n === 0) throw new Error(`part ${name} ended after ${at} of ${out.length} bytes`);
    at += n;
  }
  return out;
}

/** A part in chunks of `bytes` (each valid until the next is asked for). */
export function* partChunks(storage: PartStorage, name: string, bytes = 1 << 20): Generator<Uint8Array> {
  const buf = new Uint8Array(bytes);
  for (let at = 0; ; ) {
    const n = storage.read(name, at, buf);
    if (n === 0) return;
    at += n;
    yield buf.subarray(0, n);
  }
}
