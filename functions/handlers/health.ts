// GET /api/health (anonymous): what an operator or a load balancer's probe needs to know: the
// package's version and commit, the policy packs loaded, and whether the storage answers. Always 200
// while the app can answer at all (settling needs no storage): `status` says "degraded" when the
// configured storage does not answer within YIBAO_HEALTH_STORAGE_MS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, versionsOf } from '../../engine';
import { CONTENT_TYPE } from '../http';
import { guarded } from '../problem';
import { blobService } from '../storage';
import { healthStorageMs, storageConnection } from '../settings';

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  commit: string | null;
  engine: { version: string };
  policies: { city: string; versions: { effective: string; file: string }[] }[];
  storage: { configured: boolean; reachable: boolean | null; ms: number | null; error?: string };
}

/** The package root: the folder of the package.json above this file (dist/functions/handlers when built). */
function packageRoot(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

let cached: { version: string; commit: string | null } | undefined;

/**
 * The version of package.json, and the commit: app setting YIBAO_COMMIT, else the file COMMIT at the
 * package root written when the package is built for deployment (`git rev-parse HEAD > COMMIT`).
 * Never git itself: there is no repository where the app runs.
 */
export function packageBuild(): { version: string; commit: string | null } {
  if (cached) return cached;
  const root = packageRoot();
  let version = 'unknown';
  let commit: string | null = null;
  if (root) {
    version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    try { commit = fs.readFileSync(path.join(root, 'COMMIT'), 'utf8').trim() || null; } catch { /* not written */ }
  }
  cached = { version, commit };
  return cached;
}

async function storageState(): Promise<Health['storage']> {
  if (!storageConnection()) return { configured: false, reachable: null, ms: null };
  const t0 = performance.now();
  try {
    await blobService().getProperties({ abortSignal: AbortSignal.timeout(healthStorageMs()) });
    return { configured: true, reachable: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    // the error's name or code only: its message may hold the storage's URL
    const err = e as { code?: unknown; name?: string };
    return { configured: true, reachable: false, ms: Math.round(performance.now() - t0), error: typeof err.code === 'string' ? err.code : err.name ?? 'error' };
  }
}

export async function healthOf(): Promise<Health> {
  const book = defaultBook();
  const { version, commit } = packageBuild();
  const storage = await storageState();
  return {
    status: storage.reachable === false ? 'degraded' : 'ok',
    version,
    commit: process.env.YIBAO_COMMIT?.trim() || commit,
    engine: { version },
    policies: [...book.cities.keys()].map((city) => ({ city, versions: versionsOf(city, book).map((v) => ({ effective: v.effective, file: v.file })) })),
    storage,
  };
}

export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponse> {
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json, 'cache-control': 'no-store' }, jsonBody: await healthOf() });
}

export const healthHandler = guarded(health);
