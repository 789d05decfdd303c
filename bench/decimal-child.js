'use strict';
// The exact decimal path as `yibao settle` ran it before the bulk path: read the whole file, settleLedger
// (decimal.js, an object per row), resultsTable → CSV. For the benchmark's decimal-vs-fast figure.
// usage: node bench/decimal-child.js <ledger.csv> <results.csv>
const path = require('node:path');
const root = path.join(__dirname, '..');
const { defaultBook, csvLedgerRows, settleLedger, resultsTable, rejectedTable, toCsv } = require(path.join(root, 'dist/engine'));
const { readText, writeAtomic } = require(path.join(root, 'dist/cli/io'));
const [input, out] = process.argv.slice(2);
const outcome = settleLedger(defaultBook(), csvLedgerRows(readText(input)).rows);
writeAtomic(out, toCsv(resultsTable(outcome)));
if (outcome.rejections.length) writeAtomic(`${out}.rejected.csv`, toCsv(rejectedTable(outcome)));
