// The manifest read as Excel reads it: ids, versions, locales, the CustomFunctions extension point in
// a shared runtime, the YIBAO namespace, resource ids, and every URL it names served by the build.
import { readFileSync, existsSync } from 'fs';
import { join } from 'path';
import { execFileSync } from 'child_process';
import { parseXml, descendants, child, type XmlNode } from './xml';
import { ensureBuilt, ROOT, DIST } from './build';

const DEV = 'https://localhost:3000/';
let app: XmlNode;
let all: XmlNode[];

beforeAll(() => {
  ensureBuilt();
  const doc = parseXml(readFileSync(join(ROOT, 'manifest.xml'), 'utf8'));
  app = child(doc, 'OfficeApp');
  all = descendants(app);
}, 120_000);

test('an Excel task-pane add-in with an id, a four-part version, zh-CN default and an en-US override', () => {
  expect(app.attrs['xsi:type']).toBe('TaskPaneApp');
  expect(child(app, 'Id').text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  expect(child(app, 'Version').text).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(child(app, 'DefaultLocale').text).toBe('zh-CN');
  for (const el of ['DisplayName', 'Description']) {
    const n = child(app, el);
    expect(n.attrs.DefaultValue).toMatch(/[\u4e00-\u9fff]/);
    expect(n.children.find((c) => c.name === 'Override' && c.attrs.Locale === 'en-US')?.attrs.Value).toMatch(/[A-Za-z]/);
  }
  expect(child(child(app, 'Hosts'), 'Host').attrs.Name).toBe('Workbook');
  expect(child(app, 'Permissions').text).toBe('ReadWriteDocument');
});

test('the shared runtime: SharedRuntime 1.1, a long-lived runtime that is also the functions page', () => {
  const sets = child(child(app, 'Requirements'), 'Sets').children;
  expect(sets).toContainEqual(expect.objectContaining({ name: 'Set', attrs: { Name: 'SharedRuntime', MinVersion: '1.1' } }));
  const host = child(child(child(app, 'VersionOverrides'), 'Hosts'), 'Host');
  expect(host.attrs['xsi:type']).toBe('Workbook');
  expect(host.children[0].name).toBe('Runtimes'); // Runtimes come first under the host
  const runtime = child(host.children[0], 'Runtime');
  expect(runtime.attrs.lifetime).toBe('long');
  const cf = all.filter((n) => n.name === 'ExtensionPoint' && n.attrs['xsi:type'] === 'CustomFunctions');
  expect(cf).toHaveLength(1);
  const loc = (el: string) => child(child(cf[0], el), 'SourceLocation').attrs.resid;
  expect(loc('Page')).toBe(runtime.attrs.resid);
  expect(child(all.find((n) => n.name === 'DesktopFormFactor')!, 'FunctionFile').attrs.resid).toBe(runtime.attrs.resid);
  const action = all.find((n) => n.name === 'Action' && n.attrs['xsi:type'] === 'ShowTaskpane')!;
  expect(child(action, 'SourceLocation').attrs.resid).toBe(runtime.attrs.resid);
  expect(loc('Script')).toBeTruthy();
  expect(loc('Metadata')).toBeTruthy();
});

function resources(): Map<string, XmlNode> {
  const res = child(child(app, 'VersionOverrides'), 'Resources');
  const defined = new Map<string, XmlNode>();
  for (const n of descendants(res)) {
    if (n.attrs.id !== undefined) {
      expect(defined.has(n.attrs.id)).toBe(false); // ids are unique
      defined.set(n.attrs.id, n);
    }
  }
  return defined;
}

test('the namespace is YIBAO; every resid is defined and at most 32 characters', () => {
  const defined = resources();
  const cf = all.find((n) => n.name === 'ExtensionPoint' && n.attrs['xsi:type'] === 'CustomFunctions')!;
  expect(defined.get(child(cf, 'Namespace').attrs.resid)!.attrs.DefaultValue).toBe('YIBAO');
  const used = all.filter((n) => n.attrs.resid !== undefined).map((n) => n.attrs.resid);
  expect(used.length).toBeGreaterThan(10);
  for (const id of new Set([...used, ...defined.keys()])) expect(id.length).toBeLessThanOrEqual(32);
  for (const id of used) expect(defined.has(id) ? id : `undefined resid ${id}`).toBe(id);
  // Strings shown in the ribbon: Chinese by default, with an en-US override.
  for (const [id, n] of defined) {
    if (n.name === 'bt:String' && id !== 'Functions.Namespace') {
      expect(n.attrs.DefaultValue).toMatch(/[\u4e00-\u9fff]/);
      expect(n.children.some((c) => c.name === 'bt:Override' && c.attrs.Locale === 'en-US')).toBe(true);
    }
  }
});

test('every URL the manifest names is on the dev server and is a built file', () => {
  const urls = new Set<string>();
  for (const n of [app, ...all]) for (const [k, v] of Object.entries(n.attrs)) if (!k.startsWith('xmlns') && /^https?:\/\//.test(v)) urls.add(v);
  for (const n of all) if (/^https?:\/\//.test(n.text.trim())) urls.add(n.text.trim());
  expect(urls.size).toBeGreaterThanOrEqual(8);
  for (const url of urls) {
    expect(url.startsWith(DEV.slice(0, -1))).toBe(true);
    if (url === DEV.slice(0, -1)) continue; // the AppDomain
    const file = join(DIST, url.slice(DEV.length));
    expect(existsSync(file) ? url : `${url} is not built (${file})`).toBe(url);
  }
  // The built copy names the same URLs (YIBAO_ADDIN_URL unset).
  expect(readFileSync(join(DIST, 'manifest.xml'), 'utf8')).toBe(readFileSync(join(ROOT, 'manifest.xml'), 'utf8'));
});

test('icons are real PNGs of the sizes the manifest says', () => {
  for (const n of all.filter((x) => x.name === 'bt:Image' && x.attrs.DefaultValue)) {
    const png = readFileSync(join(DIST, n.attrs.DefaultValue.slice(DEV.length)));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const size = Number(/icon-(\d+)\.png$/.exec(n.attrs.DefaultValue)![1]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
  }
});

test('functions.json is generated (never committed) with the twelve YIBAO functions, descriptions Chinese first', () => {
  const meta = JSON.parse(readFileSync(join(DIST, 'functions.json'), 'utf8')) as { functions: { id: string; name: string; description: string; parameters: { name: string; description: string; optional?: boolean }[] }[] };
  expect(meta.functions.map((f) => f.id).sort()).toEqual(['ASSIST', 'BUDGET', 'CATEGORIES', 'COMPARE', 'CRITICAL', 'EXPLAIN', 'LEDGER', 'PARAM', 'REASSIST', 'SETTLE', 'SUBSIDY', 'WARN']);
  for (const f of meta.functions) {
    expect(f.name).toBe(f.id);
    expect(f.description).toMatch(/^[\u4e00-\u9fff]/);
    for (const p of f.parameters) expect(p.description).toMatch(/^[\u4e00-\u9fff]/);
  }
  const settle = meta.functions.find((f) => f.id === 'SETTLE')!;
  expect(settle.parameters.map((p) => `${p.name}${p.optional ? '?' : ''}`)).toEqual(['compliant', 'category', 'city', 'basicPaid?', 'total?', 'date?', 'scenario?']);
  // Typed where Excel's conversion is safe: text for the fund and the parameter name; amounts, dates
  // and names stay `any` (a number type would turn an empty cell into 0).
  const typeOf = (id: string, name: string) => (meta.functions.find((f) => f.id === id)!.parameters.find((p) => p.name === name) as { type?: string }).type;
  expect([typeOf('SUBSIDY', 'fund'), typeOf('PARAM', 'name'), typeOf('ASSIST', 'amount'), typeOf('ASSIST', 'date')]).toEqual(['string', 'string', 'any', 'any']);
  // A scenario can be a range of (parameter, value) rows: Excel passes a range only to a matrix parameter.
  const scenarioParams = meta.functions.flatMap((f) => f.parameters.filter((p) => p.name === 'scenario' || p.name === 'baseline').map((p) => [f.id, (p as { dimensionality?: string }).dimensionality]));
  expect(scenarioParams).toHaveLength(11);
  for (const [id, dim] of scenarioParams) expect(`${id} ${dim}`).toBe(`${id} matrix`);
  const bundle = readFileSync(join(DIST, 'functions.js'), 'utf8');
  for (const f of meta.functions) expect(bundle).toContain(`associate("${f.id}"`);
  const tracked = execFileSync('git', ['ls-files', 'addin', 'manifest.xml'], { cwd: ROOT }).toString();
  expect(tracked).not.toMatch(/functions\.json/);
});
