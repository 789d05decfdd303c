// The build as a static folder an intranet server hosts: the manifest's URLs all from YIBAO_ADDIN_URL
// (a real build into a temporary folder), office.js loaded from the folder itself (copied byte for
// byte from @microsoft/office-js, never the CDN), web.config for IIS.
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ensureBuilt, ROOT, DIST } from './build';
import { parseXml, descendants } from './xml';

const hosting = require('../../addin/hosting') as { publicUrl(v?: string): { url: string; origin: string }; manifestFor(xml: string, v?: string): string };
const OFFICE = join(ROOT, 'node_modules', '@microsoft', 'office-js', 'dist');

beforeAll(() => ensureBuilt(), 180_000);

/** Every URL a manifest names (attributes and element text). */
function manifestUrls(xml: string): string[] {
  const urls: string[] = [];
  for (const n of descendants(parseXml(xml))) {
    for (const [k, v] of Object.entries(n.attrs)) if (!k.startsWith('xmlns') && /^https?:/i.test(v)) urls.push(v);
    if (/^https?:/i.test(n.text.trim())) urls.push(n.text.trim());
  }
  return urls;
}

test('YIBAO_ADDIN_URL: https only, absolute, no query; default the dev server; a trailing / added', () => {
  expect(hosting.publicUrl(undefined)).toEqual({ url: 'https://localhost:3000/', origin: 'https://localhost:3000' });
  expect(hosting.publicUrl('https://yibao.example.gov.cn/addin')).toEqual({ url: 'https://yibao.example.gov.cn/addin/', origin: 'https://yibao.example.gov.cn' });
  expect(() => hosting.publicUrl('http://yibao.example.gov.cn/')).toThrow(/^YIBAO_ADDIN_URL 须为 https 地址/);
  expect(() => hosting.publicUrl('https://yibao.example.gov.cn/?v=1')).toThrow(/查询串/);
  expect(() => hosting.publicUrl('yibao/addin')).toThrow(/不是网址/);
});

test('the built page loads office.js and everything else from its own folder', () => {
  const html = readFileSync(join(DIST, 'taskpane.html'), 'utf8');
  const srcs = [...html.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)=("?)([^"\s>]+)\1/g)].map((m) => m[2]);
  expect(srcs[0]).toBe('office-js/office.js');
  expect(srcs).toEqual(expect.arrayContaining(['functions.js', 'taskpane.js', 'taskpane.css']));
  for (const s of srcs) {
    expect(s).not.toMatch(/^(https?:)?\/\//);
    expect(existsSync(join(DIST, s)) ? s : `${s} is not in the folder`).toBe(s);
  }
  expect(html).not.toMatch(/appsforoffice|microsoft\.com/);
  // Microsoft's files as shipped, with what office.js fetches at run time in Excel: the host scripts
  // and the UI language's strings.
  for (const f of ['office.js', 'custom-functions-runtime.js', 'excel-win32-16.01.js', 'excel-web-16.00.js', 'excel-mac-16.00.js', 'zh-cn/office_strings.js', 'en-us/office_strings.js']) {
    expect(readFileSync(join(DIST, 'office-js', f)).equals(readFileSync(join(OFFICE, f)))).toBe(true);
  }
  expect(existsSync(join(DIST, 'office-js', 'office.debug.js'))).toBe(false);
  expect(existsSync(join(DIST, 'office-js', 'word-win32-16.01.js'))).toBe(false);
  const webConfig = descendants(parseXml(readFileSync(join(DIST, 'web.config'), 'utf8')));
  expect(webConfig.find((n) => n.name === 'mimeMap' && n.attrs.fileExtension === '.json')?.attrs.mimeType).toBe('application/json; charset=utf-8');
});

test('help.html has a section for every function, saying what the metadata says', () => {
  const meta = JSON.parse(readFileSync(join(DIST, 'functions.json'), 'utf8')) as { functions: { id: string; description: string; helpUrl: string; parameters: { name: string; description: string }[] }[] };
  const html = readFileSync(join(DIST, 'help.html'), 'utf8');
  expect(meta.functions).toHaveLength(12);
  for (const f of meta.functions) {
    expect(f.helpUrl).toBe(`https://localhost:3000/help.html#${f.id}`);
    const at = html.indexOf(`<section id="${f.id}">`);
    expect(at).toBeGreaterThan(0);
    const section = html.slice(at, html.indexOf('</section>', at));
    expect(section).toContain(f.description.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
    for (const p of f.parameters) expect(section).toContain(`<code>${p.name}</code>`);
  }
});

test('a build for an intranet server names that URL everywhere in its manifest, and every URL is a built file', () => {
  const base = 'https://yibao.example.gov.cn:8443/tools/yibao/';
  const out = mkdtempSync(join(tmpdir(), 'yibao-addin-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'webpack', 'bin', 'webpack.js'), '--config', join(ROOT, 'addin', 'webpack.config.js'), '--mode', 'production'], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, YIBAO_ADDIN_URL: 'https://yibao.example.gov.cn:8443/tools/yibao', YIBAO_ADDIN_OUT: out },
    });
    const xml = readFileSync(join(out, 'manifest.xml'), 'utf8');
    expect(xml).not.toContain('localhost');
    const urls = manifestUrls(xml);
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const url of urls) {
      if (url === 'https://yibao.example.gov.cn:8443') continue; // the AppDomain, an origin
      expect(url.startsWith(base) ? url : `${url} is not under ${base}`).toBe(url);
      expect(existsSync(join(out, url.slice(base.length))) ? url : `${url} is not built`).toBe(url);
    }
    expect(urls).toContain('https://yibao.example.gov.cn:8443');
    // Otherwise the same manifest as the repository's.
    expect(xml).toBe(hosting.manifestFor(readFileSync(join(ROOT, 'manifest.xml'), 'utf8'), base));
    // Each function's help is its section of help.html in that folder; otherwise the same metadata.
    const meta = JSON.parse(readFileSync(join(out, 'functions.json'), 'utf8')) as { functions: { id: string; helpUrl: string }[] };
    for (const f of meta.functions) expect(f.helpUrl).toBe(`${base}help.html#${f.id}`);
    expect(readFileSync(join(out, 'functions.json'), 'utf8')).toBe(readFileSync(join(DIST, 'functions.json'), 'utf8').split(hosting.publicUrl().url).join(base));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
