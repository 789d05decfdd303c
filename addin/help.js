// The functions' help pages, shipped in the add-in's folder: help.html, one section per function,
// written from the generated functions.json (so it always says what the metadata says), and each
// function's helpUrl pointing at its section. The URL is set here rather than by @helpurl tags in
// functions.ts because it depends on where the folder is hosted (YIBAO_ADDIN_URL).
'use strict';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** functions.json with helpUrl = <url>help.html#<ID> on every function. */
function withHelpUrls(metaJson, url) {
  const meta = JSON.parse(metaJson);
  for (const f of meta.functions) f.helpUrl = `${url}help.html#${f.id}`;
  return JSON.stringify(meta, null, 4);
}

/** The help page for the functions of a functions.json. */
function helpPage(metaJson) {
  const meta = JSON.parse(metaJson);
  const syntax = (f) => `=YIBAO.${f.id}(${f.parameters.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(', ')})`;
  const section = (f) => `
<section id="${esc(f.id)}">
  <h2>YIBAO.${esc(f.id)}</h2>
  <p>${esc(f.description)}</p>
  <pre>${esc(syntax(f))}</pre>
  <table>
    <thead><tr><th>参数 Argument</th><th>必填 Required</th><th>说明 Description</th></tr></thead>
    <tbody>${f.parameters.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${p.optional ? '可省略 optional' : '必填 required'}</td><td>${esc(p.description || '')}</td></tr>`).join('')}</tbody>
  </table>
  ${f.result && f.result.dimensionality === 'matrix' ? '<p class="muted">结果为区域，自动溢出到右侧和下方的单元格。The result spills into the cells to the right and below.</p>' : ''}
</section>`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>YIBAO 函数帮助 Function help</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Segoe UI", sans-serif; font-size: 14px; margin: 16px; color: #1b1b1b; max-width: 60em; }
h1 { font-size: 20px; } h2 { font-size: 16px; color: #0f766e; margin-top: 28px; }
pre { background: #f3f3f3; padding: 6px 8px; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #ddd; text-align: left; padding: 4px 6px; vertical-align: top; overflow-wrap: anywhere; }
.muted { color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1>医保三重保障测算 YIBAO 函数帮助 <span class="muted">Function help</span></h1>
<p>金额以元为单位，结果精确到分；错误值 #VALUE! 与 #N/A 的单元格提示中有中文说明。
日期可写 2022-06-01、2022/6/1、2022年6月1日或日期单元格，省略时为工作簿年度（任务窗格“默认设置”）的 12 月 31 日。
情景（scenario）可写工作簿中保存的情景名、“参数=值; 参数=值”，或（参数, 值）两列区域，可用于模拟运算表和单变量求解。
Amounts are in yuan, results exact to the fen; the error flag of #VALUE! and #N/A says what is wrong.</p>
<p>${meta.functions.map((f) => `<a href="#${esc(f.id)}">${esc(f.id)}</a>`).join(' · ')}</p>
${meta.functions.map(section).join('\n')}
</body>
</html>
`;
}

module.exports = { withHelpUrls, helpPage };
