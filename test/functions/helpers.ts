// Shared by the Functions tests: requests, contexts, Azurite started and stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SPEC_HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';

export function request(opts: { method?: string; path: string; body?: string | Buffer; headers?: Record<string, string> }): HttpRequest {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? { string: opts.body } : { bytes: opts.body };
  return new HttpRequest({ method: opts.method ?? 'POST', url: `http://127.0.0.1:7071${opts.path}`, body, headers: opts.headers });
}

/** A request whose body is a web stream (as the host gives it with enableHttpStream). */
export function streamRequest(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}, params: Record<string, string> = {}): HttpRequest {
  const nativeRequest = new Request(`http://127.0.0.1:7071${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return new HttpRequest({ nativeRequest, params } as never);
}

export function context(name = 'test'): InvocationContext & { logs: string[] } {
  const logs: string[] = [];
  const ctx = new InvocationContext({ functionName: name, invocationId: 'test-invocation', logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`) });
  return Object.assign(ctx, { logs });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port });
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's blob service, in memory, on a free port; stop() kills that PID. */
export async function startAzurite(): Promise<{ pid: number; port: number; connection: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules', '.bin', 'azurite-blob'), [
    '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent', '--blobHost', '127.0.0.1', '--blobPort', String(port),
  ], { stdio: 'ignore' });
  await waitForPort(port);
  const pid = child.pid!;
  return {
    pid,
    port,
    connection: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(pid, 'SIGTERM');
    }),
  };
}

export async function text(res: { text(): Promise<string> }): Promise<string> {
  return res.text();
}
