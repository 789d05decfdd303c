// Where the built add-in is hosted, and what the static folder needs so that any intranet web
// server (IIS, nginx, the dev server) can serve it with no internet: the manifest's URLs from one
// build setting, and office.js copied out of the @microsoft/office-js package (never the CDN).
'use strict';
const path = require('path');

/** The URL manifest.xml in the repository names: the local dev server (npm run serve:addin). */
const DEV_URL = 'https://localhost:3000/';

/**
 * The base URL the add-in is served from, from YIBAO_ADDIN_URL (default the dev server): https (Office
 * loads nothing else), absolute, ending in "/", no query or fragment. A bad one stops the build: a
 * manifest pointing somewhere Excel cannot load would only fail on the officers' desks.
 */
function publicUrl(value) {
  const raw = value === undefined || value === '' ? DEV_URL : String(value).trim().replace(/\/?$/, '/');
  let u;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`YIBAO_ADDIN_URL “${raw}” 不是网址 (is not a URL), e.g. https://yibao.example.gov.cn/addin/`);
  }
  if (u.protocol !== 'https:') throw new Error(`YIBAO_ADDIN_URL 须为 https 地址，Office 只从 https 加载加载项 (must be https: Office loads add-ins only over https): ${raw}`);
  if (u.search || u.hash || u.username || u.password) throw new Error(`YIBAO_ADDIN_URL 不能带查询串、片段或用户名 (no query, fragment or user name): ${raw}`);
  return { url: u.href, origin: u.origin };
}

/** manifest.xml with every dev-server URL (and the AppDomain, an origin) moved to the hosting URL. */
function manifestFor(xml, value) {
  const { url, origin } = publicUrl(value);
  const devOrigin = new URL(DEV_URL).origin;
  return xml.split(DEV_URL).join(url).split(devOrigin).join(origin);
}

/**
 * The part of @microsoft/office-js an Excel add-in loads, copied to office-js/ in the static folder:
 * office.js, the Excel host scripts it picks at run time, the custom functions runtime, its helpers,
 * and every language's office_strings.js (Office's UI language picks one). Debug copies, other hosts
 * (Word, Outlook …) and Outlook's strings are left out: about 10 MB instead of 86.
 */
function officeJsPatterns(root, to = 'office-js') {
  const dist = path.join(root, 'node_modules', '@microsoft', 'office-js', 'dist');
  const noDebug = ['**/*.debug.js'];
  // Byte for byte as Microsoft ships them: not minified again (slow, and no longer the package's files).
  const asIs = { minimized: true };
  return [
    { from: '{office,custom-functions-runtime,es6-promise,o15apptofilemappingtable}.js', context: dist, to, globOptions: { ignore: noDebug }, info: asIs },
    { from: 'excel*.js', context: dist, to, globOptions: { ignore: noDebug }, info: asIs },
    { from: '*/office_strings.js', context: dist, to, info: asIs },
    { from: '{telemetry,ariatelemetry}/**', context: dist, to, globOptions: { ignore: noDebug }, info: asIs },
  ];
}

module.exports = { DEV_URL, publicUrl, manifestFor, officeJsPatterns };
