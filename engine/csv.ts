// A small RFC 4180 reader and writer: UTF-8 with or without BOM, CRLF or LF, quoted fields with
// commas, quotes and line breaks. Each record keeps the line number it starts on, for messages.

export interface CsvRecord { line: number; cells: string[]; error?: string }

const COMMA = 44, LF = 10, CR = 13, QUOTE = 34;

/** Split CSV text into records. Blank lines are skipped; an unterminated quote is an error record. */
export function* readCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  // Where the current unquoted run ends: the next comma, CR or LF (scanned in slices, not per character,
  // so that a 50 MB line costs one pass).
  const runEnd = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === LF || c === CR) break;
      j++;
    }
    return j;
  };
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let error: string | undefined;
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        // quoted field: "" is a quote; line breaks inside count as lines
        i++;
        const parts: string[] = [];
        let closed = false;
        while (i < n) {
          const q = text.indexOf('"', i);
          const stop = q < 0 ? n : q;
          const piece = text.slice(i, stop);
          for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) line++;
          parts.push(piece);
          if (q < 0) { i = n; break; }
          if (text.charCodeAt(q + 1) === QUOTE) { parts.push('"'); i = q + 2; continue; }
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) error = 'unterminated quote';
        // anything between the closing quote and the delimiter is kept, as spreadsheets do
        const e = runEnd(i);
        parts.push(text.slice(i, e));
        i = e;
        cell = parts.join('');
      } else {
        const e = runEnd(i);
        cell = text.slice(i, e);
        i = e;
      }
      cells.push(cell);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === COMMA) { i++; continue; }
      // line break: \r\n, \n or a lone \r
      if (c === CR) i++;
      if (text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    if (cells.length === 1 && cells[0] === '' && !error) continue; // blank line
    yield { line: start, cells, error };
  }
}

/** Quote a cell if it needs it. Cells starting with = + - @ are prefixed so spreadsheets do not run them. */
export function csvCell(value: string): string {
  let v = value;
  if (/^[=+\-@]/.test(v) && !/^-?\d/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\n';
}
