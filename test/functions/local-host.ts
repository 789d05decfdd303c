// The compiled local host (dist/functions/local/host.js) started on free ports with its own Azurite
// in a temporary folder, for the service tests. Built first when the sources are newer than dist.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort, ROOT } from './helpers';

export const HOST = path.join(ROOT, 'dist', 'functions', 'local', 'host.js');

function newestSource(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? fs.statSync(p).mtimeMs : 0);
  }
  return t;
}

/** Build (tsc) when the sources of functions/ or engine/ are newer than `output` (npm test builds first anyway). */
export function ensureBuilt(output = HOST): void {
  const built = fs.existsSync(output) ? fs.statSync(output).mtimeMs : 0;
  if (built < Math.max(newestSource(path.join(ROOT, 'functions')), newestSource(path.join(ROOT, 'engine')))) {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  }
}

export interface LocalHost {
  child: ChildProcess;
  port: number;
  blobPort: number;
  base: string;
  key: string;
  dir: string;
  /** Everything the host wrote (stdout and stderr). */
  out: () => string;
  /** Its JSON log lines. */
  logs: () => Record<string, unknown>[];
  /** SIGTERM, and wait for the exit. */
  stop: () => Promise<void>;
}

export interface HostPorts { port: number; blobPort: number; queuePort: number; tablePort: number }

export async function hostPorts(): Promise<HostPorts> {
  return { port: await freePort(), blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
}

export async function startHost(env: Record<string, string> = {}, ports?: HostPorts, dir?: string): Promise<LocalHost> {
  ensureBuilt();
  const p = ports ?? await hostPorts();
  const folder = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-azurite-'));
  // the storage and site of this test process's environment are not the host's (env may give its own)
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.AzureWebJobsStorage;
  delete inherited.YIBAO_STORAGE;
  delete inherited.WEBSITE_HOSTNAME;
  const full: NodeJS.ProcessEnv = {
    ...inherited, YIBAO_PORT: String(p.port), YIBAO_LOCAL_KEY: 'test-key-0123456789abcdef',
    YIBAO_AZURITE_BLOB_PORT: String(p.blobPort), YIBAO_AZURITE_QUEUE_PORT: String(p.queuePort), YIBAO_AZURITE_TABLE_PORT: String(p.tablePort),
    YIBAO_AZURITE_DIR: folder, ...env,
  };
  const child = spawn(process.execPath, [HOST], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 40000;
  while (!/--data-binary/.test(out)) {
    if (child.exitCode !== null) throw new Error(`host exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`host did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitForPort(p.port);
  return {
    child, port: p.port, blobPort: p.blobPort, base: `http://127.0.0.1:${p.port}`, key: full.YIBAO_LOCAL_KEY!, dir: folder,
    out: () => out,
    logs: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Wait until `check` holds (polling), or fail after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
