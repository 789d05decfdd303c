#!/usr/bin/env node
// npm run certs:addin — make a local CA and a localhost certificate with openssl, offline, in the
// folder office-addin-dev-certs uses (~/.office-addin-dev-certs: ca.crt, localhost.crt, localhost.key).
// Trusting ca.crt on the computer that runs Excel is a separate, manual step (docs/addin.md).
'use strict';
const { execFileSync } = require('child_process');
const { mkdirSync, writeFileSync, existsSync } = require('fs');
const { join } = require('path');
const os = require('os');

const dir = join(os.homedir(), '.office-addin-dev-certs');
if (existsSync(join(dir, 'localhost.crt')) && !process.argv.includes('--force')) {
  console.log(`${dir}/localhost.crt 已存在 (already exists); --force 重新生成 (to replace it)`);
  process.exit(0);
}
mkdirSync(dir, { recursive: true });
const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '825', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=YIBAO Developer CA']);
writeFileSync(join(dir, 'localhost.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'localhost.key', '-out', 'localhost.csr', '-subj', '/CN=localhost']);
run(['x509', '-req', '-in', 'localhost.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '825', '-sha256', '-extfile', 'localhost.ext', '-out', 'localhost.crt']);
console.log(`已生成 (made): ${dir}/ca.crt, localhost.crt, localhost.key`);
console.log('请在运行 Excel 的电脑上信任 ca.crt (trust ca.crt on the computer that runs Excel): see docs/addin.md');
