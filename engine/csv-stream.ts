// The CSV reader of engine/csv.ts over a stream of bytes (an HTTP body, a blob), without holding the
// whole text: chunks are decoded as UTF-8 (a character split across chunks is joined), cut after the
// last complete record, and each cut piece goes through readCsv itself, so the records (cells, line
// numbers, errors) are exactly those of readCsv on the whole text. Only an unfinished record is kept
// between chunks (an unterminated quote therefore keeps the rest of the input, as readCsv does).
import { readCsv, type CsvRecord } from './csv';

const COMMA = 44, LF = 10, CR = 13, QUOTE = 34;

// Scanner states, following readCsv's grammar: a quote opens a quoted field only at the start of a
// cell; inside it "" is a quote and a lone " closes it; what follows up to the delimiter is plain text.
const CELL_START = 0, PLAIN = 1, QUOTED = 2, QUOTE_SEEN = 3;

/**
 * Records of a CSV stream, identical to `readCsv(wholeText)`. `chunks` may hold bytes (UTF-8, with or
 * without BOM) or already-decoded strings.
 */
export async function* readCsvStream(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<CsvRecord> {
  // ignoreBOM keeps a leading BOM in the text so that readCsv drops it exactly as it does for a file.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let buf = '';
  let scanned = 0; // buf[0, scanned) has been scanned; the state below is the state at `scanned`
  let state = CELL_START;
  let cut = 0; // end of the last complete record in buf (after its line break)
  let cutLines = 0; // line breaks readCsv counts in buf[0, cut)
  let pendingLines = 0; // line breaks counted in buf[cut, scanned)
  let first = true;
  let startLine = 1;

  function* emit(text: string, lines: number): Generator<CsvRecord> {
    // A piece other than the first is read after a blank line, which readCsv skips: a BOM-like
    // character at its start is then kept as text, as it is in the middle of the whole input.
    const shift = first ? startLine - 1 : startLine - 2;
    for (const r of readCsv(first ? text : `\n${text}`)) yield { line: r.line + shift, cells: r.cells, error: r.error };
    first = false;
    startLine += lines;
  }

  // Scan buf from `scanned`, moving `cut` to the end of each complete record. A CR at the very end
  // of buf is not decided until the next character is known (it may be the start of a CRLF).
  let started = false;
  const scan = (final: boolean) => {
    const n = buf.length;
    let i = scanned;
    if (!started && n > 0) {
      // readCsv skips a BOM at the very start of the text: the first cell begins after it
      started = true;
      if (buf.charCodeAt(0) === 0xfeff) i = 1;
    }
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (state === QUOTED) {
        const q = buf.indexOf('"', i);
        const stop = q < 0 ? n : q;
        for (let k = buf.indexOf('\n', i); k >= 0 && k < stop; k = buf.indexOf('\n', k + 1)) pendingLines++;
        if (q < 0) { i = n; break; }
        i = q + 1;
        state = QUOTE_SEEN;
        continue;
      }
      if (state === QUOTE_SEEN) {
        if (c === QUOTE) { state = QUOTED; i++; continue; }
        state = PLAIN; // text after the closing quote, or the delimiter: handled as plain below
      }
      if (state === CELL_START && c === QUOTE) { state = QUOTED; i++; continue; }
      if (c === COMMA) { state = CELL_START; i++; continue; }
      if (c === CR || c === LF) {
        if (c === CR) {
          if (i + 1 >= n && !final) break; // wait: a LF may follow in the next chunk
          if (buf.charCodeAt(i + 1) === LF) i++;
        }
        i++;
        pendingLines++;
        state = CELL_START;
        cut = i;
        cutLines += pendingLines;
        pendingLines = 0;
        continue;
      }
      state = PLAIN;
      i++;
    }
    scanned = i;
  };

  const drain = function* (): Generator<CsvRecord> {
    if (cut === 0) return;
    const piece = buf.slice(0, cut);
    const lines = cutLines;
    buf = buf.slice(cut);
    scanned -= cut;
    cut = 0;
    cutLines = 0;
    yield* emit(piece, lines);
  };

  for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    scan(false);
    yield* drain();
  }
  buf += decoder.decode();
  scan(true);
  yield* drain();
  if (buf.length) yield* emit(buf, 0);
}
