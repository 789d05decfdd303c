#!/usr/bin/env node
// npm run serve:addin — serve dist/addin at https://localhost:3000/ (the URLs in manifest.xml) for
// sideloading. No webpack-dev-server needed. The certificate is the one office-addin-dev-certs
// installs (~/.office-addin-dev-certs/localhost.crt and .key), or one made offline by
// `npm run certs:addin`, or any pair given in YIBAO_CERT / YIBAO_KEY. It must be trusted by the
// computer that runs Excel (docs/addin.md).
'use strict';
const https = require('https');
const { existsSync, readFileSync, statSync } = require('fs');
const { join, normalize, extname } = require('path');
const os = require('os');

const root = join(__dirname, '..');
const dist = join(root, 'dist', 'addin');
const port = Number(process.env.YIBAO_PORT || 3000);
const certDir = join(os.homedir(), '.office-addin-dev-certs');
const certFile = process.env.YIBAO_CERT || join(certDir, 'localhost.crt');
const keyFile = process.env.YIBAO_KEY || join(certDir, 'localhost.key');

if (!existsSync(join(dist, 'taskpane.html'))) {
  console.error('dist/addin 不存在：请先运行 npm run build:addin (dist/addin is missing: run npm run build:addin first)');
  process.exit(1);
}
if (!existsSync(certFile) || !existsSync(keyFile)) {
  console.error(`未找到 HTTPS 证书 ${certFile}：请运行 npm run certs:addin 并信任其 CA (no HTTPS certificate: run npm run certs:addin and trust its CA; see docs/addin.md)`);
  process.exit(1);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.xml': 'application/xml; charset=utf-8', '.map': 'application/json' };

const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'https://localhost').pathname);
  const file = normalize(join(dist, path === '/' ? 'taskpane.html' : path));
  if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('未找到 not found');
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
  res.end(readFileSync(file));
});
server.listen(port, '127.0.0.1', () => {
  console.log(`YIBAO 加载项已在 https://localhost:${port}/ 提供 (serving dist/addin); manifest: https://localhost:${port}/manifest.xml`);
  console.log('按 Ctrl+C 停止 (Ctrl+C to stop)');
});
