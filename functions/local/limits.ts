// Stalled clients on the local host. Node's own timeouts do not fit a host whose answers may take
// seconds to compute: a socket idle while the engine works is not the client's fault. So a request
// is watched by the bytes its socket moves, and blamed only when the client is the one holding it:
//  - its body is unfinished, nothing arrived for `bodyIdleMs`, and nothing received is waiting for
//    us to read (if we are not reading, e.g. waiting for a worker thread, the stall is ours);
//  - its answer has bytes waiting for the client and none left for `answerIdleMs`.
// Either way the request's socket is closed, which cancels its work (the body's stream errors, the
// answer's stream is cancelled): a stalled client holds a worker thread at most that long.
import type * as http from 'node:http';
import type { HostLimits } from '../settings';

export type Stall = 'body' | 'answer';

/** Watch one request until its answer is done; `onStall` is called at most once. Returns a stop. */
export function watchStalls(req: http.IncomingMessage, res: http.ServerResponse, limits: HostLimits, onStall: (kind: Stall) => void): () => void {
  const socket = req.socket;
  let seen = socket.bytesRead + socket.bytesWritten;
  let quietSince = Date.now();
  const every = Math.max(25, Math.min(1000, Math.floor(Math.min(limits.bodyIdleMs, limits.answerIdleMs) / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    const moved = socket.bytesRead + socket.bytesWritten;
    if (moved !== seen) { seen = moved; quietSince = now; return; }
    const quiet = now - quietSince;
    const bodyStalled = !req.complete && req.readableLength === 0 && quiet >= limits.bodyIdleMs;
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
