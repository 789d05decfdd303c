// The partitions of a run in files (engine/run/storage.ts PartStorage), in a folder its owner made and
// removes (the command line: cli/io.ts runTempDir; the Functions app's jobs: a folder per activity).
// Handles are kept open while a part is written or read, and closed when it is complete or removed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PartStorage } from '../engine';

/** All of `bytes` to an open file (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

export class FileParts implements PartStorage {
  private readonly writing = new Map<string, number>();
  private readonly reading = new Map<string, number>();

  /** The parts in `dir`, which `removeDir` removes at dispose() (a second thread opens the folder of the run's storage). */
  constructor(readonly dir: string, private readonly removeDir: () => void = () => undefined) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  append(name: string, bytes: Uint8Array): void {
    let fd = this.writing.get(name);
    if (fd === undefined) this.writing.set(name, (fd = fs.openSync(this.file(name), 'a')));
    writeAll(fd, bytes);
  }

  flush(): void {
    for (const fd of this.writing.values()) fs.closeSync(fd);
    this.writing.clear();
  }

  size(name: string): number {
    try {
      return fs.statSync(this.file(name)).size;
    } catch {
      return 0;
    }
  }

  read(name: string, offset: number, into: Uint8Array): number {
    let fd = this.reading.get(name);
    if (fd === undefined) {
      if (!fs.existsSync(this.file(name))) return 0; // a part nothing was written to
      this.reading.set(name, (fd = fs.openSync(this.file(name), 'r')));
    }
    return fs.readSync(fd, into, 0, into.length, offset);
  }

  remove(name: string): void {
    for (const fds of [this.writing, this.reading]) {
      const fd = fds.get(name);
      if (fd !== undefined) fs.closeSync(fd);
      fds.delete(name);
    }
    fs.rmSync(this.file(name), { force: true });
  }

  /** Every handle closed and the folder removed. */
  dispose(): void {
    this.flush();
    for (const fd of this.reading.values()) fs.closeSync(fd);
    this.reading.clear();
    this.removeDir();
  }
}
