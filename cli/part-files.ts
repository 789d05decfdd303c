// The partitions of a run in files (engine/run/storage.ts PartStorage): a temporary folder under the
// system's (TMPDIR), removed at the end whatever happens (cli/io.ts runTempDir). Handles are kept open
// while a part is written or read, and closed when it is complete or removed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PartStorage } from '../engine/run';
import { writeAll, runTempDir } from './io';

export class FileParts implements PartStorage {
  private readonly writing = new Map<string, number>();
  private readonly reading = new Map<string, number>();

  /** The parts in `dir` (a second thread opens the folder of the run's storage). */
  constructor(readonly dir: string, private readonly removeDir: () => void = () => undefined) {}

  /** A fresh temporary folder, removed by dispose(). */
  static temporary(): FileParts {
    const temp = runTempDir('parts');
    return new FileParts(temp.dir, temp.remove);
  }

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
