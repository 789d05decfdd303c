// The task pane (shared runtime: the same page runs the custom functions). Defaults, the scenario
// editor, a range through the HTTP endpoint, and the totals chart. Office globals are touched only
// here; everything that computes lives in modules the tests call directly.
import { defaultBook, todayInChina, violationLine, resolveCity } from '../../../engine';
import { listScenarios, storedScenario, saveScenario, deleteScenario, scenariosReady, onScenariosChanged, reloadFromSettings } from '../scenarios';
import { baseRows, checkEdits, namesInViolation, bandsOf, bandsText, yearNotice, type EditorRow } from './editor';
import { editorRowHtml, statusBadge, escapeHtml } from './rowhtml';
import { settleRemote } from './remote';
import { chartSvg, localTotals, addUp, categoryByClaim, TIERS, type CategoryTotals } from './chart';
import { writeTotalsChart } from './sheetchart';
import { setWorkbookYear } from '../workbook';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let inExcel = false;
let edits: Record<string, string> = {};
let rows: EditorRow[] = [];
let lastRun: CategoryTotals[] | undefined;
let shown: CategoryTotals[] | undefined;

// ---- settings: the workbook's (Office) where there is one, else this browser's storage ----
function settings(): Office.Settings | undefined {
  return inExcel ? Office.context.document.settings : undefined;
}
function getSetting(key: string): unknown {
  const s = settings();
  if (s) return s.get(key);
  const v = localStorage.getItem(key);
  return v === null ? undefined : JSON.parse(v);
}
function setSetting(key: string, value: unknown): void {
  const s = settings();
  if (s) {
    s.set(key, value);
    s.saveAsync();
  } else localStorage.setItem(key, JSON.stringify(value));
}

function message(id: string, text: string, kind: 'ok' | 'error' | '' = ''): void {
  const el = $(id);
  el.textContent = text;
  el.className = `message ${kind}`;
}

// ---- defaults ----
function city(): string {
  return $<HTMLSelectElement>('city').value;
}
/** The year as typed: never replaced silently by another (yearNotice says what is wrong with it). */
function year(): number {
  return Number($<HTMLInputElement>('year').value);
}
function validYear(): boolean {
  const y = year();
  return Number.isInteger(y) && y >= 1900 && y <= 2100;
}
function asOf(): string {
  return `${year()}-12-31`;
}

function initDefaults(): void {
  const book = defaultBook();
  const select = $<HTMLSelectElement>('city');
  select.innerHTML = [...book.cities.values()].map((c) => `<option value="${c.id}">${escapeHtml(c.zh)} ${escapeHtml(c.en)} (${c.code})</option>`).join('');
  const saved = getSetting('yibao.defaults') as { city?: string; year?: number } | undefined;
  select.value = saved?.city && book.cities.has(saved.city) ? saved.city : 'linyi';
  $<HTMLInputElement>('year').value = String(saved?.year ?? todayInChina().slice(0, 4));
  const changed = () => {
    if (validYear()) {
      setSetting('yibao.defaults', { city: city(), year: year() });
      setWorkbookYear(year()); // an omitted date in a formula now means 31 December of this year
    }
    edits = {};
    renderEditor();
  };
  select.addEventListener('change', changed);
  $<HTMLInputElement>('year').addEventListener('change', changed);
}

// ---- scenario editor ----
function renderScenarioList(selected = ''): void {
  const select = $<HTMLSelectElement>('scenario-select');
  const list = listScenarios();
  select.innerHTML = ['<option value="">（新情景 / 基准）new scenario / baseline</option>', ...list.map((s) => `<option value="${escapeHtml(s.name)}">${escapeHtml(s.name)}${s.city ? ` · ${escapeHtml(s.city)}` : ''}</option>`)].join('');
  select.value = list.some((s) => s.name === selected) ? selected : '';
}

function loadScenario(name: string): void {
  const s = storedScenario(name);
  edits = {};
  $<HTMLInputElement>('scenario-name').value = s?.name ?? '';
  if (s) {
    if (s.city && s.city !== city()) {
      $<HTMLSelectElement>('city').value = s.city;
    }
    for (const [k, v] of Object.entries(s.overrides)) edits[k] = valueToText(v);
  }
  renderEditor();
}

function valueToText(v: unknown): string {
  if (v === null) return 'none';
  if (Array.isArray(v)) {
    return v.map((x) => (x && typeof x === 'object' ? `${(x as { from: unknown }).from}:${(x as { rate: unknown }).rate}` : String(x))).join(typeof v[0] === 'object' ? '; ' : ', ');
  }
  return String(v);
}

function renderEditor(): void {
  const notice = yearNotice(city(), year());
  const y = $('year-notice');
  y.textContent = notice?.text ?? '';
  y.className = `message ${notice?.kind ?? ''}`;
  $('asof').textContent = notice?.kind === 'error' ? '' : `参数按 ${asOf()} 的政策显示 (parameters as in force on ${asOf()})`;
  try {
    rows = notice?.kind === 'error' ? [] : baseRows(city(), asOf());
  } catch (e) {
    rows = [];
    message('scenario-message', (e as Error).message, 'error');
  }
  const tbody = $('params').querySelector<HTMLElement>('tbody')!;
  tbody.innerHTML = rows.map((r) => editorRowHtml(r, edits[r.name] ?? r.base, r.name in edits)).join('');
  tbody.querySelectorAll('input').forEach((input) => input.addEventListener('input', onEdit));
  tbody.querySelectorAll<HTMLButtonElement>('button.band-add, button.band-remove').forEach((b) => b.addEventListener('click', onBandButton));
  if (rows.length) validate();
}

/** The text of a parameter's value as its row shows it: the input, or the bands table read back. */
function rowText(tr: HTMLElement, name: string): string {
  if (!tr.querySelector('table.bands')) return tr.querySelector<HTMLInputElement>('input[data-name]')!.value;
  const cells = tr.querySelectorAll<HTMLInputElement>('table.bands input');
  const bands: { from: string; rate: string }[] = [];
  cells.forEach((c) => {
    const i = Number(c.dataset.band);
    bands[i] ??= { from: '', rate: '' };
    bands[i][c.dataset.part as 'from' | 'rate'] = c.value;
  });
  return bandsText(bands.filter(Boolean));
}

/** Record an edit (none when the text is the pack's value again) and check everything. */
function setEdit(tr: HTMLElement, name: string, text: string): void {
  const row = rows.find((r) => r.name === name)!;
  if (text.trim() === row.base) delete edits[name];
  else edits[name] = text;
  tr.classList.toggle('edited', name in edits);
  tr.querySelector('td.status')!.innerHTML = statusBadge(row, name in edits);
  validate();
}

function onEdit(ev: Event): void {
  const input = ev.target as HTMLInputElement;
  const tr = input.closest('tr[data-name]') as HTMLElement;
  const name = tr.dataset.name!;
  setEdit(tr, name, rowText(tr, name));
}

/** Add a band after the last, or remove one: the row is drawn again from the new text. */
function onBandButton(ev: Event): void {
  const b = ev.currentTarget as HTMLButtonElement;
  const tr = b.closest('tr[data-name]') as HTMLElement;
  const name = tr.dataset.name!;
  const row = rows.find((r) => r.name === name)!;
  const bands = bandsOf(edits[name] ?? row.base) ?? [];
  if (b.classList.contains('band-add')) bands.push({ from: '', rate: '' });
  else bands.splice(Number(b.dataset.band), 1);
  // A new band shows empty, but an empty band is no edit: the text the engine checks leaves it out.
  const shown = bands.map((x) => `${x.from}:${x.rate}`).join('; ');
  const text = bandsText(bands);
  if (text === row.base) delete edits[name];
  else edits[name] = text;
  const fresh = document.createElement('tbody');
  fresh.innerHTML = editorRowHtml(row, shown, name in edits);
  const next = fresh.firstElementChild as HTMLElement;
  tr.replaceWith(next);
  next.querySelectorAll('input').forEach((input) => input.addEventListener('input', onEdit));
  next.querySelectorAll<HTMLButtonElement>('button.band-add, button.band-remove').forEach((x) => x.addEventListener('click', onBandButton));
  validate();
}

/** Check every edit as the user types: per-row problems, then the floors of spec section 8. */
function validate(): boolean {
  const name = $<HTMLInputElement>('scenario-name').value;
  let checked;
  try {
    checked = checkEdits(city(), asOf(), name || 'scenario', edits);
  } catch (e) {
    message('scenario-message', (e as Error).message, 'error');
    return false;
  }
  const tbody = $('params').querySelector('tbody')!;
  const names = rows.map((r) => r.name);
  const breaking = new Set(checked.violations.flatMap((v) => namesInViolation(v, names)));
  tbody.querySelectorAll(':scope > tr').forEach((tr) => {
    const n = (tr as HTMLElement).dataset.name!;
    const err = checked.rowErrors.get(n);
    tr.classList.toggle('invalid', !!err);
    tr.classList.toggle('breaks', breaking.has(n));
    tr.querySelector('.row-error')!.textContent = err ?? '';
  });
  const v = $('violations');
  if (checked.violations.length === 0) {
    v.innerHTML = `<p class="ok">✓ 符合国家和省级底线规定 (all floors and ceilings of spec section 8 are met)</p>`;
  } else {
    v.innerHTML = `<p>底线检查：${checked.violations.length} 项不符合 (floor checks broken: ${checked.violations.length})——仍可保存并计算，结果会注明 (still computed, and reported)</p><ul>${checked.violations.map((x) => `<li>${escapeHtml(violationLine(x))}</li>`).join('')}</ul>`;
  }
  if (checked.rowErrors.size) message('scenario-message', `${checked.rowErrors.size} 个参数值无效，无法保存 (invalid values: cannot save)`, 'error');
  else if (checked.error) message('scenario-message', checked.error, 'error');
  else message('scenario-message', Object.keys(edits).length ? `已修改 ${Object.keys(edits).length} 个参数 (${Object.keys(edits).length} changed)` : '');
  const ok = checked.rowErrors.size === 0 && !checked.error;
  $<HTMLButtonElement>('scenario-save').disabled = !ok;
  return ok;
}

async function recalculate(): Promise<void> {
  if (!inExcel) return;
  // Custom functions are not volatile: a full calculation re-runs those that read the changed scenario.
  await Excel.run(async (ctx) => {
    ctx.workbook.application.calculate(Excel.CalculationType.full);
    await ctx.sync();
  });
}

async function onSave(): Promise<void> {
  const name = $<HTMLInputElement>('scenario-name').value.trim();
  if (!name) return message('scenario-message', '请填写情景名称 (a scenario needs a name)', 'error');
  if (!validate()) return;
  const checked = checkEdits(city(), asOf(), name, edits);
  try {
    await saveScenario({ name, city: resolveCity(defaultBook(), city()).id, overrides: checked.overrides });
    renderScenarioList(name);
    await recalculate();
    message('scenario-message', `已保存情景“${name}”${inExcel ? '并重算工作簿' : ''}；公式中使用：=YIBAO.ASSIST(…, "${name}") (saved${inExcel ? ' and recalculated' : ''})`, 'ok');
  } catch (e) {
    message('scenario-message', (e as Error).message, 'error');
  }
}

async function onDelete(): Promise<void> {
  const name = $<HTMLSelectElement>('scenario-select').value;
  if (!name) return;
  await deleteScenario(name);
  renderScenarioList();
  loadScenario('');
  await recalculate();
  message('scenario-message', `已删除情景“${name}” (deleted)`, 'ok');
}

// ---- a range through the HTTP endpoint ----
async function onRunRemote(): Promise<void> {
  const endpoint = $<HTMLInputElement>('endpoint').value;
  const key = $<HTMLInputElement>('function-key').value;
  setSetting('yibao.endpoint', endpoint);
  localStorage.setItem('yibao.functionKey', key);
  if (!inExcel) return message('remote-message', '只能在 Excel 中读取所选区域 (only inside Excel)', 'error');
  try {
    message('remote-message', '正在发送… (sending)');
    const input = await Excel.run(async (ctx) => {
      const range = ctx.workbook.getSelectedRange().load('values');
      await ctx.sync();
      return range.values as unknown[][];
    });
    const out = await settleRemote(endpoint, key, input);
    const name = `YIBAO结果 ${new Date().toTimeString().slice(0, 8).replace(/:/g, '')}`;
    await Excel.run(async (ctx) => {
      const sheet = ctx.workbook.worksheets.add(name);
      const width = Math.max(...out.map((r) => r.length));
      const padded = out.map((r) => [...r, ...Array(width - r.length).fill('')]);
      for (let i = 0; i < padded.length; i += 5000) {
        sheet.getRangeByIndexes(i, 0, Math.min(5000, padded.length - i), width).values = padded.slice(i, i + 5000);
        await ctx.sync();
      }
      sheet.activate();
      await ctx.sync();
    });
    lastRun = remoteTotals(input, out);
    showChart(lastRun);
    message('remote-message', `已写入工作表“${name}”：${out.length - 1} 行 (written: ${out.length - 1} rows)`, 'ok');
  } catch (e) {
    message('remote-message', (e as Error).message, 'error');
  }
}

function remoteTotals(input: unknown[][], out: (string | number | boolean)[][]): CategoryTotals[] {
  const cats = categoryByClaim(input);
  const head = out[0].map((h) => String(h).trim().toLowerCase());
  const iId = head.indexOf('claim_id') >= 0 ? head.indexOf('claim_id') : head.indexOf('setl_id');
  const idx = Object.fromEntries(TIERS.map((t) => [t, head.indexOf(t)]));
  const rowsIn = out.slice(1).filter((r) => idx.basic >= 0 && typeof r[idx.basic] === 'number');
  return addUp(rowsIn.map((r) => {
    const c = cats.get(String(r[iId])) ?? { category: '(未知 unknown)', label: '(未知 unknown)' };
    return { ...c, amounts: Object.fromEntries(TIERS.filter((t) => idx[t] >= 0).map((t) => [t, r[idx[t]] as number])) };
  }));
}

// ---- chart ----
function showChart(totals: CategoryTotals[]): void {
  shown = totals;
  $('chart').innerHTML = chartSvg(totals, Math.max(260, Math.min(480, document.body.clientWidth - 24)));
}

async function onChartSheet(): Promise<void> {
  if (!inExcel) return message('chart-message', '只能在 Excel 中读取工作表 (only inside Excel)', 'error');
  try {
    const values = await Excel.run(async (ctx) => {
      const used = ctx.workbook.worksheets.getActiveWorksheet().getUsedRange().load('values');
      await ctx.sync();
      return used.values as unknown[][];
    });
    const r = localTotals(values);
    showChart(r.totals);
    message('chart-message', `本地测算：读取 ${r.read} 行，拒绝 ${r.rejected} 行 (settled locally: read ${r.read}, rejected ${r.rejected})`, r.rejected ? 'error' : 'ok');
  } catch (e) {
    message('chart-message', (e as Error).message, 'error');
  }
}

async function onChartWrite(): Promise<void> {
  if (!shown) return message('chart-message', '请先生成图表 (make a chart first)', 'error');
  if (!inExcel) return message('chart-message', '只能在 Excel 中写入 (only inside Excel)', 'error');
  const totals = shown;
  try {
    await Excel.run((ctx) => writeTotalsChart(ctx, totals, `YIBAO合计 ${new Date().toTimeString().slice(0, 8).replace(/:/g, '')}`));
  } catch (e) {
    return message('chart-message', (e as Error).message, 'error');
  }
  message('chart-message', '已写入合计表和图表 (totals and chart written)', 'ok');
}

// ---- start ----
function start(info: { host: unknown; platform?: unknown }): void {
  inExcel = typeof Office !== 'undefined' && info.host === Office.HostType.Excel;
  $('status').textContent = inExcel
    ? `已连接 Excel (${String(info.platform ?? '')})；函数 =YIBAO.SETTLE(…) 等可用 (connected to Excel; the YIBAO functions are ready)`
    : '未在 Excel 中运行：可预览和编辑情景，函数在本页已注册 (not inside Excel: preview; the functions are registered on this page)';
  initDefaults();
  $<HTMLInputElement>('endpoint').value = String(getSetting('yibao.endpoint') ?? '');
  $<HTMLInputElement>('function-key').value = localStorage.getItem('yibao.functionKey') ?? '';
  renderScenarioList();
  renderEditor();
  $<HTMLSelectElement>('scenario-select').addEventListener('change', (e) => loadScenario((e.target as HTMLSelectElement).value));
  $('scenario-name').addEventListener('input', validate);
  $('scenario-save').addEventListener('click', onSave);
  $('scenario-delete').addEventListener('click', onDelete);
  $('scenario-reset').addEventListener('click', () => {
    edits = {};
    renderEditor();
  });
  $('run-remote').addEventListener('click', onRunRemote);
  $('chart-sheet').addEventListener('click', onChartSheet);
  $('chart-last').addEventListener('click', () => (lastRun ? showChart(lastRun) : message('chart-message', '尚未运行 (no run yet)', 'error')));
  $('chart-write').addEventListener('click', onChartWrite);
  onScenariosChanged(() => renderScenarioList($<HTMLSelectElement>('scenario-select').value));
  if (inExcel && Office.context.document.addHandlerAsync) {
    // Another author changed the settings (co-authoring): reload the scenarios and recalculate.
    Office.context.document.addHandlerAsync(Office.EventType.SettingsChanged, () => {
      reloadFromSettings();
      void recalculate();
    });
  }
  // For previews and the headless test: chart a claims table (header first) without Excel.
  (window as unknown as { __YIBAO_PANE__: unknown }).__YIBAO_PANE__ = {
    chartFromTable: (values: unknown[][]) => {
      const r = localTotals(values);
      showChart(r.totals);
      return { read: r.read, rejected: r.rejected };
    },
    // A range through the endpoint, as the Run button sends it: the rows, or the message shown.
    runRange: async (endpoint: string, key: string, values: unknown[][]) => {
      try {
        return { rows: await settleRemote(endpoint, key, values) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    },
  };
  document.body.dataset.ready = 'true';
}

if (typeof Office !== 'undefined' && Office.onReady) {
  Office.onReady((info) => scenariosReady().then(() => start(info)));
} else {
  // No Office.js at all (it could not load): the page still works as a preview.
  window.addEventListener('DOMContentLoaded', () => start({ host: null }));
}
