// Stalled clients on the local host. Node's own timeouts do not fit a host whose answers may take
// seconds to compute: a socket idle while the engine works is not the client's fault. So a request
// is watched by the bytes its socket moves, and blamed only when the client is the one holding it:
//  - its body is unfinished, and a read of it (BodyReads) has waited `bodyIdleMs` with nothing
//    arriving. While nobody reads (a function waiting for a worker thread, say) the stall is ours;
//    what Node buffers cannot tell this: a request not read for a while was once seen with nothing
//    in its buffer and its socket not paused, while its bytes sat in the kernel;
//  - its answer has bytes waiting for the client and none left for `answerIdleMs`.
// Either way the request's socket is closed, which cancels its work (the body's stream errors, the
// answer's stream is cancelled): a stalled client holds a worker thread at most that long.
import type * as http from 'node:http';
import { Readable } from 'node:stream';
import type { HostLimits } from '../settings';

export type Stall = 'body' | 'answer';

/** A request's body as its reader takes it: one chunk per read, nothing read ahead, and when a read began waiting. */
export class BodyReads {
  /** When the read now waiting for bytes began; -1 while none waits. */
  waitingSince = -1;
  private source: ReadableStreamDefaultReader<Uint8Array> | null = null;

  constructor(private readonly req: http.IncomingMessage) {}

  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        this.source ??= (Readable.toWeb(this.req) as ReadableStream<Uint8Array>).getReader();
        this.waitingSince = Date.now();
        try {
          const n = await this.source.read();
          if (n.done) controller.close();
          else controller.enqueue(n.value);
        } finally {
          this.waitingSince = -1;
        }
      },
      cancel: (reason) => this.source?.cancel(reason),
    }, { highWaterMark: 0 });
  }
}

/** Watch one request until its answer is done; `onStall` is called at most once. Returns a stop. */
export function watchStalls(req: http.IncomingMessage, res: http.ServerResponse, reads: BodyReads, limits: HostLimits, onStall: (kind: Stall) => void): () => void {
  const socket = req.socket;
  let seen = socket.bytesRead + socket.bytesWritten;
  let quietSince = Date.now();
  const every = Math.max(25, Math.min(1000, Math.floor(Math.min(limits.bodyIdleMs, limits.answerIdleMs) / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    const moved = socket.bytesRead + socket.bytesWritten;
    if (moved !== seen) { seen = moved; quietSince = now; return; }
    const quiet = now - quietSince;
    const bodyStalled = !req.complete && reads.waitingSince >= 0 && now - Math.max(quietSince, reads.waitingSince) >= limits.bodyIdleMs;
    const answerStalled = res.headersSent && (res.writableNeedDrain || socket.writableLength > 0) && quiet >= limits.answerIdleMs;
    if (bodyStalled || answerStalled) {
      stop();
      onStall(bodyStalled ? 'body' : 'answer');
    }
  }, every);
  timer.unref();
  const stop = () => clearInterval(timer);
  res.once('close', stop);
  return stop;
}
