// What the functions need to know about the open workbook, beyond their arguments:
// - its date system: a date cell reaches a function as a serial number, counted from 1900-01-00
//   (Windows' default) or from 1904-01-01 (the 1904 date system, Mac workbooks of old). Office.js
//   gives no property for it in the API sets the add-in targets, so the shared runtime asks Excel
//   itself once: DATE(1904,1,1) is 1462 in the 1900 system and 0 in the 1904 one;
// - its year (默认设置 年度, saved in the workbook's settings as yibao.defaults.year), which an omitted
//   date means: 31 December of that year, the date the task pane's editor shows the parameters on.
//   A workbook with no year yet gets the current year in China, saved in it at that first use, so
//   an undated formula means the same when the workbook is opened next year.
// Outside Excel (tests, a plain browser) the state is in memory: the 1900 system, no saved year.
import { todayInChina } from '../../engine';

export const DEFAULTS_KEY = 'yibao.defaults';

interface Settings { get(name: string): unknown; set(name: string, value: unknown): void; saveAsync(callback?: (r: unknown) => void): void }

interface WorkbookState { date1904: boolean; year?: number; settings?: Settings; ready: Promise<void> }

interface ExcelLike {
  run<T>(batch: (ctx: { workbook: { functions: { date(y: number, m: number, d: number): { load(p: string): void; value: unknown } } }; sync(): Promise<void> }) => Promise<T>): Promise<T>;
}

function state(): WorkbookState {
  const g = globalThis as unknown as { __YIBAO_WORKBOOK__?: WorkbookState };
  if (!g.__YIBAO_WORKBOOK__) {
    const s: WorkbookState = { date1904: false, ready: Promise.resolve() };
    g.__YIBAO_WORKBOOK__ = s;
    const office = (globalThis as unknown as { Office?: { onReady?: (cb: () => void) => unknown; context?: { document?: { settings?: Settings } } } }).Office;
    if (office?.onReady) {
      s.ready = new Promise<void>((resolve) => {
        office.onReady!(() => {
          s.settings = office.context?.document?.settings;
          s.year = yearIn(s.settings?.get(DEFAULTS_KEY));
          detectDateSystem().then((is1904) => (s.date1904 = is1904), () => undefined).finally(resolve);
        });
      });
    }
  }
  return g.__YIBAO_WORKBOOK__;
}

function yearIn(raw: unknown): number | undefined {
  const y = raw && typeof raw === 'object' ? (raw as { year?: unknown }).year : undefined;
  return typeof y === 'number' && Number.isInteger(y) ? y : undefined;
}

async function detectDateSystem(): Promise<boolean> {
  const excel = (globalThis as unknown as { Excel?: ExcelLike }).Excel;
  if (!excel?.run) return false;
  return excel.run(async (ctx) => {
    const r = ctx.workbook.functions.date(1904, 1, 1);
    r.load('value');
    await ctx.sync();
    return r.value === 0;
  });
}

/** Resolves once the workbook's date system and year are known (at once outside Office). */
export function workbookReady(): Promise<void> {
  return state().ready;
}

/** True in the 1904 date system. */
export function uses1904(): boolean {
  return state().date1904;
}

/** The date an omitted date argument means: 31 December of the workbook's year (fixed at first use). */
export function defaultDate(): string {
  const s = state();
  if (s.year === undefined) {
    s.year = Number(todayInChina().slice(0, 4));
    if (s.settings) {
      const old = s.settings.get(DEFAULTS_KEY);
      s.settings.set(DEFAULTS_KEY, { ...(old && typeof old === 'object' ? old : {}), year: s.year });
      s.settings.saveAsync();
    }
  }
  return `${s.year}-12-31`;
}

/** The task pane's year changed (it saves yibao.defaults itself). */
export function setWorkbookYear(year: number | undefined): void {
  state().year = year;
}

/** Tests: pretend the workbook uses the 1904 date system, or not. */
export function setDateSystem(is1904: boolean): void {
  state().date1904 = is1904;
}
