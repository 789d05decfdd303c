// A small RFC 4180 reader and writer: UTF-8 with or without BOM, CRLF or LF, quoted fields with
// commas, quotes and line breaks. Each record keeps the line number it starts on, for messages.

export interface CsvRecord { line: number; cells: string[]; error?: string }

/** Split CSV text into records. Blank lines are skipped; an unterminated quote is an error record. */
export function* readCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let error: string | undefined;
    let endOfRecord = false;
    while (!endOfRecord) {
      if (i < n && text[i] === '"' && cell === '') {
        // quoted field
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        if (!closed) { error = 'unterminated quote'; }
        // anything between the closing quote and the delimiter is kept, as spreadsheets do
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      }
      cells.push(cell);
      cell = '';
      if (i >= n) { endOfRecord = true; break; }
      const ch = text[i];
      if (ch === ',') { i++; continue; }
      // line break: \r\n, \n or a lone \r
      if (ch === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      endOfRecord = true;
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
