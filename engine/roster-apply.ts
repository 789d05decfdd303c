// roster apply (issue 7): a month's additions, removals and category changes applied to a roster.
import { YibaoError, echo } from './errors';
import { readCsv, csvLine } from './csv';
import { normalizeName, resolveCity } from './catalog';
import { isIsoDate, type Book } from './policy/load';
import { RosterReader, rosterHeader, benefitWindow, ROSTER_OUT_COLUMNS, type RosterEntry, type RosterRead } from './roster';
import type { Rejection } from './types';


export const CHANGE_COLUMNS = ['person_id', 'action', 'date', 'city', 'county', 'category', 'id_number'] as const;
const ACTIONS: Record<string, 'add' | 'remove' | 'change'> = {
  add: 'add', 新增: 'add', 纳入: 'add',
  remove: 'remove', 退出: 'remove', 移除: 'remove',
  change: 'change', 变更: 'change', 类别变更: 'change',
};

export interface ApplyOutcome {
  entries: RosterEntry[];
  /** Rejections of the current roster (line numbers of that file) and of the changes file. */
  rosterRejections: Rejection[];
  changeRejections: Rejection[];
  read: { roster: number; changes: number };
  applied: { add: number; remove: number; change: number };
}

function isActive(e: RosterEntry, date: string): boolean {
  // On the roster on that date (inclusion dates, not benefit dates): included by then and not exited before.
  return (e.included_on === undefined || e.included_on <= date) && (e.exited_on === undefined || e.exited_on >= date);
}

/**
 * Apply a month's changes to a roster. add: a new entry from the date; remove: the active entries of
 * the person in that city end on the date; change: the active entry ends on the date and a new one
 * with the new category starts on it. Benefit windows follow benefitWindow. With `month`, a change
 * dated in another month is rejected. Changes are applied in date order (ties in file order).
 */
export function applyChanges(book: Book, current: RosterRead, changesText: string, month?: string): ApplyOutcome {
  const entries = current.entries.map((e) => ({ ...e }));
  const rejections: Rejection[] = [];
  const records = readCsv(changesText);
  const first = records.next();
  if (first.done) throw new YibaoError('变动文件为空', 'the changes file is empty', 'fatal');
  const cols = first.value.cells.map((c) => normalizeName(c).toLowerCase());
  const missing = ['person_id', 'action', 'date', 'city'].filter((c) => !cols.includes(c));
  if (missing.length) throw new YibaoError(`变动文件缺少必需的列：${missing.join(', ')}（表头：${CHANGE_COLUMNS.join(',')}）`, `the changes file lacks required columns: ${missing.join(', ')} (header: ${CHANGE_COLUMNS.join(',')})`, 'fatal');
  const at = (cells: string[], c: string) => (cols.indexOf(c) < 0 ? '' : cells[cols.indexOf(c)] ?? '').trim();
  const reader = new RosterReader(book, rosterHeader(['person_id', 'id_number', 'city', 'county', 'category', 'included_on', 'exited_on']));
  type Change = { line: number; action: 'add' | 'remove' | 'change'; date: string; person: string; cells: string[] };
  const changes: Change[] = [];
  let read = 0;
  for (const rec of records) {
    read++;
    try {
      if (rec.error) throw new YibaoError('引号未闭合，该行及其后内容无法读取', 'unterminated quote: the row cannot be read', 'csv');
      if (rec.cells.length !== cols.length) throw new YibaoError(`该行有 ${rec.cells.length} 个字段，表头有 ${cols.length} 个`, `the row has ${rec.cells.length} cells, the header ${cols.length}`, 'csv');
      const action = ACTIONS[normalizeName(at(rec.cells, 'action')).toLowerCase()];
      if (!action) throw new YibaoError(`变动类型“${echo(at(rec.cells, 'action'))}”无效；可选：add 新增、remove 退出、change 变更`, `action "${echo(at(rec.cells, 'action'))}" is invalid; valid: add, remove, change`, 'action');
      const date = at(rec.cells, 'date');
      if (!isIsoDate(date)) throw new YibaoError(`变动日期“${echo(date)}”无效，须为 YYYY-MM-DD`, `change date "${echo(date)}" is not a valid YYYY-MM-DD date`, 'date');
      if (month && date.slice(0, 7) !== month) throw new YibaoError(`变动日期 ${date} 不在 ${month} 月`, `change date ${date} is not in ${month}`, 'date');
      const person = at(rec.cells, 'person_id');
      if (person === '') throw new YibaoError('person_id 为空', 'person_id is empty', 'person_id');
      changes.push({ line: rec.line, action, date, person, cells: rec.cells });
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: rec.line, reason: e.reason });
    }
  }
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line - b.line));
  const applied = { add: 0, remove: 0, change: 0 };
  for (const c of changes) {
    try {
      const city = resolveCity(book, at(c.cells, 'city'));
      const active = entries.filter((e) => e.person_id === c.person && e.city === city.id && isActive(e, c.date));
      const newEntry = (category: string, county: string, id: string): RosterEntry =>
        reader.entry({ line: c.line, cells: [c.person, id, at(c.cells, 'city'), county, category, c.date, ''] });
      if (c.action === 'add') {
        if (active.length) throw new YibaoError(`该人员已在花名册中（第 ${active[0].line} 行），不能重复新增`, `the person is already on the roster (line ${active[0].line})`, 'action');
        entries.push(newEntry(at(c.cells, 'category'), at(c.cells, 'county'), at(c.cells, 'id_number')));
      } else {
        if (!active.length) throw new YibaoError(`花名册中没有该人员在 ${c.date} 的有效记录`, `no entry of the person is active on ${c.date}`, 'action');
        if (c.action === 'change') {
          const next = newEntry(at(c.cells, 'category'), at(c.cells, 'county') || active[0].county, active[0].id_masked);
          if (next.category === active[0].category) throw new YibaoError(`类别未变（${next.category}）`, `the category is unchanged (${next.category})`, 'action');
          for (const e of active) close(book, e, c.date);
          entries.push(next);
        } else {
          for (const e of active) close(book, e, c.date);
        }
      }
      applied[c.action]++;
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: c.line, reason: e.reason });
    }
  }
  rejections.sort((a, b) => a.line - b.line);
  return { entries, rosterRejections: current.rejections, changeRejections: rejections, read: { roster: current.read, changes: read }, applied };
}

function close(book: Book, e: RosterEntry, date: string) {
  e.exited_on = date;
  const w = benefitWindow(book, book.cities.get(e.city)!, e.included_on, date);
  e.benefits_to = w.to;
}

/** The roster as CSV with ROSTER_OUT_COLUMNS; ID numbers masked. */
export function rosterCsv(entries: RosterEntry[]): string {
  return csvLine([...ROSTER_OUT_COLUMNS]) + entries.map((e) => csvLine([e.person_id, e.id_masked, e.city, e.county, e.category, e.included_on ?? '', e.exited_on ?? '', e.benefits_from ?? '', e.benefits_to ?? ''])).join('');
}
