// The editor's rows as HTML, free of the DOM so tests read them as text: the parameter's Chinese
// label (policy/labels.json through the engine) above its spec name, the value (an input, or a
// small from/rate table for bands), the status the pack gives it, the source clause, and the
// document's quote behind a <details> (on demand: the quotes are long and most rows have one).
import { STATUS_LABEL } from '../calc';
import { bandsOf, type Band, type EditorRow } from './editor';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

export function statusBadge(r: EditorRow, edited: boolean): string {
  if (edited) return `<span class="badge scenario">${STATUS_LABEL.scenario}</span><div class="muted">原 was: ${escapeHtml(r.base)} (${escapeHtml(statusLabel(r.status))})</div>`;
  return `<span class="badge ${escapeHtml(r.status)}">${escapeHtml(statusLabel(r.status))}</span>`;
}

/** The bands as a table of inputs; data-band is the row, data-part from or rate. */
export function bandsTable(name: string, bands: Band[]): string {
  const n = escapeHtml(name);
  const rows = bands.map((b, i) => {
    const from = b.from === 'deductible' ? '起付线' : b.from; // read back as deductible (parseValueText)
    return `<tr><td><input data-name="${n}" data-band="${i}" data-part="from" value="${escapeHtml(from)}" aria-label="${n} 第${i + 1}段起点 band ${i + 1} from" /></td><td><input data-name="${n}" data-band="${i}" data-part="rate" value="${escapeHtml(b.rate)}" aria-label="${n} 第${i + 1}段比例 band ${i + 1} rate" /></td><td><button type="button" class="secondary band-remove" data-name="${n}" data-band="${i}" title="删除此段 remove band">×</button></td></tr>`;
  });
  return `<table class="bands" data-name="${n}"><thead><tr><th>起点（元）from</th><th>比例 rate</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table><button type="button" class="secondary band-add" data-name="${n}">+ 增加一段 add band</button><div class="muted">起点：起付线或金额；比例：0 到 1 的小数 (from: the deductible or an amount; rate from 0 to 1)</div>`;
}

/**
 * The source as an officer reads it: a document and clause as the pack gives it; a value the pack
 * takes from the project's own specification (an assumption with no document behind it) says so.
 */
export function sourceText(source: string): string {
  return /^policy\.md\b/.test(source) ? `测算规范 ${source}（非政策文件 not an official document）` : source;
}

/** One parameter's row. `text` is the value shown (the edit, or the pack's value). */
export function editorRowHtml(r: EditorRow, text: string, edited: boolean): string {
  const n = escapeHtml(r.name);
  const label = r.label ? `<div class="label">${escapeHtml(r.label.zh)}</div><div class="muted en-label">${escapeHtml(r.label.en)}</div>` : '';
  const bands = bandsOf(r.base) ? bandsOf(text) ?? [] : undefined;
  const value = bands
    ? bandsTable(r.name, bands)
    : `<input value="${escapeHtml(text)}" data-name="${n}" aria-label="${escapeHtml(r.label?.zh ?? r.name)} ${n}" />`;
  const quote = r.quote ? `<details class="quote"><summary>原文 quote</summary><blockquote>${escapeHtml(r.quote)}</blockquote></details>` : '';
  const note = r.note ? `<div class="muted note">${escapeHtml(r.note)}</div>` : '';
  // carried forward from an earlier year, or lapsed with the transition on this date (spec 10.2, 10.3)
  const caution = [r.carried, r.lapsed].filter(Boolean).map((t) => `<div class="caution">${escapeHtml(t!)}</div>`).join('');
  return `<tr data-name="${n}" class="${edited ? 'edited' : ''}"><td class="name">${label}<code>${n}</code></td><td class="value">${value}<div class="row-error"></div></td><td class="status">${statusBadge(r, edited)}${caution}</td><td class="source">${escapeHtml(sourceText(r.source))}<div class="muted">${escapeHtml(r.effective)} 起</div>${quote}${note}</td></tr>`;
}
