#!/usr/bin/env node
'use strict';
// The `yibao` command. The TypeScript sources are built into dist/ by `npm install` (the prepare script).
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(String(e.message))) {
    process.stderr.write('错误 error: 尚未构建，请先运行 npm install 或 npm run build (not built yet: run npm install or npm run build)\n');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`内部错误 internal error: ${e && e.message}\n`); process.exitCode = 1; },
);
