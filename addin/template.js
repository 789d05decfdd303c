// The template workbook samples/yibao-template.xlsx, written with exceljs: instructions in Chinese, a
// claims sheet settled by YIBAO.LEDGER, a what-if sheet whose Data Table (模拟运算表) varies
// assistance.dibao.rate through a scenario written in cells, and a budget sheet with YIBAO.BUDGET.
// The build (webpack.config.js) regenerates it and ships a copy in dist/addin; test/addin/template.test.ts
// checks that the committed file is what this script writes, byte for byte, and reads it back.
//
// exceljs writes neither a Data Table nor a spilling (dynamic-array) formula, so its output is
// finished here, as Excel itself saves them:
// - a custom function is stored as _xldudf_YIBAO_NAME(...) (the prefix Excel writes for a JavaScript
//   custom function; stored as typed, YIBAO.NAME, Excel would not look for the add-in's function);
// - a spilling formula is an array formula on its anchor cell with cm="1", the cell metadata of
//   xl/metadata.xml that marks it dynamic (XLDAPR);
// - the Data Table is <f t="dataTable" ref=… dt2D="0" dtr="0" r1=input/> on its first result cell.
// Fixed dates and names in the document properties, and a zip stored with one fixed time stamp
// (zip.js), make the bytes the same on every run and machine.
'use strict';
const ExcelJS = require('exceljs');
const { readZip, writeZip } = require('./zip');

const FIXED_DATE = new Date(Date.UTC(2022, 0, 1));

/** The section 9 example first (hand-worked: 30000 9100 7630 0 3270 13270), then a few others. */
const CLAIMS = [
  ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'],
  ['C1', 'P1', '低保', '临沂', '2022-06-01', '住院', '', 60000, 50000, 30000],
  ['C2', 'P2', '特困人员', '临沂', '2022-06-01', '住院', '', 30000, 30000, 20000],
  ['C3', 'P3', '普通居民', '临沂', '2022-07-15', '住院', '', 80000, 80000, ''],
  ['C4', 'P4', '低保', '六安', '2022-03-02', '住院', '', 40000, 36000, 25200],
  ['C5', 'P5', '脱贫不稳定户', '临沂', '2022-09-20', '住院', '', 25000, 22000, 15400],
];
const CLAIM_ROWS = 101; // header and 100 claim rows: blank rows stay blank in LEDGER's output

const ROSTER = [
  ['person_id', 'id_number', 'city', 'county', 'category', 'included_on', 'exited_on'],
  ['LY001', '371302194503120111', 'linyi', '兰山区', 'extremely_poor', '', ''],
  ['LY003', '371302196001010130', 'linyi', '兰山区', 'dibao', '2022-05-10', ''],
  ['LY004', '371302197111200140', 'linyi', '兰山区', 'dibao', '2022-05-10', ''],
  ['LY007', '371302196609300179', 'linyi', '兰山区', 'dibao_marginal', '', ''],
  ['LY009', '371312194810090197', 'linyi', '河东区', '2', '', ''],
  ['LY013', '371312195506060238', 'linyi', '河东区', 'relapsed', '', ''],
  ['LA001', '341502195005050288', 'luan', '金安区', 'extremely_poor', '', ''],
];
const ROSTER_ROWS = 201;
const BUDGET_YEAR = 2024;

/** The what-if sheet's layout: the input cell, the formula above the table, the rates down the side. */
const WHATIF = { input: 'B4', formula: 'B8', rates: [0.7, 0.75, 0.8, 0.9], first: 9 };
/**
 * The same column without a Data Table: each row names its rate in the scenario text. Excel has been
 * reported to answer #CALC! for a custom function inside a Data Table and to give Goal Seek nothing
 * useful from one (office-js issues 5940 and 4745), so the sheet also works without them.
 */
const perRow = (row) => `YIBAO.ASSIST(10900,"低保","临沂","2022-06-01","assistance.dibao.rate="&A${row})`;

/** The spilling formulas: sheet name → [anchor cell, formula as typed in Excel]. */
const FORMULAS = {
  费用明细: [['L1', `YIBAO.LEDGER(A1:J${CLAIM_ROWS})`]],
  模拟运算: [[WHATIF.formula, 'YIBAO.ASSIST(10900,"低保","临沂","2022-06-01",A3:B4)'], ...WHATIF.rates.map((_, i) => [`C${WHATIF.first + i}`, perRow(WHATIF.first + i)])],
  预算: [['J3', `YIBAO.BUDGET(A1:G${ROSTER_ROWS},J1)`]],
};

const INSTRUCTIONS = [
  ['医保三重保障测算 YIBAO · 模板 (template)', 'title'],
  [''],
  ['使用前 Before you start', 'h'],
  ['1. 先按信息科的安装指南（docs/addin-deploy.md）安装 YIBAO 加载项，再打开本工作簿。没有加载项时公式显示 #NAME?。'],
  ['   Install the YIBAO add-in first (the IT guide); without it the formulas show #NAME?.'],
  ['2. 加载项装好后若公式仍显示 #NAME? 或旧值：按 Ctrl+Alt+F9 全部重算。'],
  ['   If formulas still show #NAME? or old values once it is installed: Ctrl+Alt+F9 recalculates everything.'],
  ['3. 金额单位为元；日期写作 2022-06-01（文本）或日期单元格；类别、城市可写中文名称（低保、特困人员、临沂）。'],
  ['   Amounts in yuan; dates as 2022-06-01 text or date cells; categories and cities as typed in Chinese.'],
  [''],
  ['工作表 Sheets', 'h'],
  ['费用明细 Claims：A1:J101 填写费用（第一行为表头），L1 的 =YIBAO.LEDGER(A1:J101) 逐行测算基本医保、大病保险、医疗救助、倾斜救助和个人负担；同一人同一年度的起付线和封顶按日期顺序累计。'],
  ['   One claim per row under the header; LEDGER settles each, deductibles and caps running per person and year.'],
  ['模拟运算 What-if：B4 是参数 assistance.dibao.rate（低保对象医疗救助比例）的值；B8 的公式把 A3:B4 作为情景；A9:A12 的比例通过模拟运算表（数据 → 模拟分析 → 模拟运算表，列输入单元格 B4）逐个代入，B9:B12 给出救助金额。'],
  ['   A Data Table over B4: each rate in A9:A12 is put into B4 and B9:B12 show the assistance paid.'],
  ['   改比例：直接修改 A9:A12。单变量求解（数据 → 模拟分析 → 单变量求解）：目标单元格 B8，可变单元格 B4。'],
  ['   Change the rates in A9:A12; Goal Seek: set B8 by changing B4.'],
  ['   C9:C12 不用模拟运算表，逐行把比例写进公式（"assistance.dibao.rate="&A9），结果应与 B 列相同。有的 Excel 版本中自定义函数在模拟运算表里显示 #CALC!，单变量求解也可能不起作用：这时请用 C 列的写法。'],
  ['   C9:C12 give the same without a Data Table; where Excel shows #CALC! in the Data Table or Goal Seek does nothing with custom functions, use this form.'],
  ['   在 A 列下方增加参数名、B 列填值（并把公式中的 A3:B4 改大），即可同时改多个参数。'],
  ['   More parameters: add rows of (name, value) below and widen A3:B4 in the formula.'],
  [`预算 Budget：A1:G201 为参保资助名单，J1 为年度，J3 的 =YIBAO.BUDGET(A1:G201,J1) 按城市 × 县区 × 类别列出人数和医疗救助基金、县级财政、个人缴费金额（名单按 1 月 1 日在册计算）。`],
  ['   The enrolment-subsidy budget of the roster for the year in J1, by city, county and category.'],
  [''],
  ['说明 Notes', 'h'],
  ['结果由加载项在本机计算，不联网；参数来自各市政策文件，状态（已公布/推算/假设值）和出处可在任务窗格的情景编辑中查看。'],
  ['   Computed on this computer, offline; each parameter\'s status and source are in the task pane\'s editor.'],
  ['函数帮助：在公式中按 Ctrl+Shift+A 或点击函数名的帮助链接。Function help: the help link of each function.'],
];

function addRows(sheet, rows) {
  for (const r of rows) sheet.addRow(r.map((v) => (v === '' ? null : v)));
}

/** The workbook as exceljs writes it, before the finishing touches. */
async function draft() {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'yibao';
  wb.lastModifiedBy = 'yibao';
  wb.created = FIXED_DATE;
  wb.modified = FIXED_DATE;
  wb.calcProperties.fullCalcOnLoad = true;

  const help = wb.addWorksheet('说明');
  help.getColumn(1).width = 120;
  for (const [text, kind] of INSTRUCTIONS) {
    const row = help.addRow([text || null]);
    if (kind === 'title') row.font = { bold: true, size: 14 };
    if (kind === 'h') row.font = { bold: true };
    row.alignment = { wrapText: true, vertical: 'top' };
  }

  const claims = wb.addWorksheet('费用明细');
  addRows(claims, CLAIMS);
  claims.getRow(1).font = { bold: true };
  [10, 10, 12, 8, 12, 10, 14, 10, 10, 12, 3, 12, 10, 10, 10, 10, 12, 12, 10, 60].forEach((w, i) => (claims.getColumn(i + 1).width = w));

  const whatif = wb.addWorksheet('模拟运算');
  whatif.getColumn(1).width = 26;
  whatif.getColumn(2).width = 16;
  whatif.getCell('A1').value = '模拟运算表：低保对象医疗救助比例 → 救助金额 (Data Table over assistance.dibao.rate)';
  whatif.getCell('A1').font = { bold: true };
  whatif.getCell('A3').value = '参数';
  whatif.getCell('B3').value = '值';
  whatif.getCell('A4').value = 'assistance.dibao.rate';
  whatif.getCell(WHATIF.input).value = 0.7;
  whatif.getCell('A6').value = '一笔费用：大病保险后合规自付 10900 元，低保对象，临沂，2022-06-01 (one claim)';
  whatif.getCell('A8').value = '救助比例 rate ↓   救助金额 assistance →';
  whatif.getColumn(3).width = 22;
  whatif.getCell('C7').value = '逐行公式 per-row formula';
  WHATIF.rates.forEach((r, i) => {
    whatif.getCell(`A${WHATIF.first + i}`).value = r;
    whatif.getCell(`B${WHATIF.first + i}`).value = 0; // replaced by the Data Table
  });

  const budget = wb.addWorksheet('预算');
  addRows(budget, ROSTER);
  budget.getRow(1).font = { bold: true };
  budget.getCell('I1').value = '年度 year';
  budget.getCell('J1').value = BUDGET_YEAR;
  [10, 20, 8, 10, 16, 12, 10, 3, 10, 12, 10, 14, 8, 14, 14, 14].forEach((w, i) => (budget.getColumn(i + 1).width = w));

  for (const [name, list] of Object.entries(FORMULAS)) {
    for (const [cell, formula] of list) wb.getWorksheet(name).getCell(cell).value = { formula: stored(formula), shareType: 'array', ref: cell };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A formula as Excel stores a JavaScript custom function's call. */
function stored(formula) {
  return formula.replace(/YIBAO\.([A-Z]+)\(/g, '_xldudf_YIBAO_$1(');
}

const METADATA =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">' +
  '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>' +
  '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>' +
  '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>';

function replaceOnce(xml, from, to, what) {
  if (!xml.includes(from)) throw new Error(`template: ${what} not found in the workbook exceljs wrote`);
  return xml.replace(from, to);
}

/** The sheet file of each sheet name, from workbook.xml and its relationships. */
function sheetFiles(files) {
  const wb = files.get('xl/workbook.xml');
  const rels = files.get('xl/_rels/workbook.xml.rels');
  const out = {};
  for (const m of wb.matchAll(/<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"/g)) {
    const target = new RegExp(`<Relationship [^>]*Id="${m[2]}"[^>]*Target="([^"]+)"`).exec(rels) ?? new RegExp(`<Relationship [^>]*Target="([^"]+)"[^>]*Id="${m[2]}"`).exec(rels);
    out[m[1]] = `xl/${target[1].replace(/^\/?xl\//, '')}`;
  }
  return out;
}

/** The finished workbook: spilling formulas marked dynamic, the Data Table, metadata.xml; stored zip. */
async function templateXlsx() {
  const entries = readZip(await draft());
  const files = new Map(entries.map((e) => [e.name, e.data.toString('utf8')]));
  const sheets = sheetFiles(files);
  for (const [name, list] of Object.entries(FORMULAS)) {
    let xml = files.get(sheets[name]);
    for (const [cell] of list) {
      const m = new RegExp(`<c r="${cell}"( [^>]*)?>`).exec(xml);
      if (!m) throw new Error(`template: cell ${name}!${cell} not found`);
      xml = xml.replace(m[0], m[0].replace(/>$/, ' cm="1">'));
    }
    files.set(sheets[name], xml);
  }
  // The Data Table: its first result cell carries it; the others keep no value of their own.
  {
    const file = sheets['模拟运算'];
    let xml = files.get(file);
    const last = WHATIF.first + WHATIF.rates.length - 1;
    WHATIF.rates.forEach((_, i) => {
      const cell = `B${WHATIF.first + i}`;
      const m = new RegExp(`<c r="${cell}"([^>]*)><v>0</v></c>`).exec(xml);
      if (!m) throw new Error(`template: Data Table cell ${cell} not found`);
      const f = i === 0 ? `<f t="dataTable" ref="B${WHATIF.first}:B${last}" dt2D="0" dtr="0" r1="${WHATIF.input}"/>` : '';
      xml = xml.replace(m[0], f ? `<c r="${cell}"${m[1]}>${f}</c>` : `<c r="${cell}"${m[1]}/>`);
    });
    files.set(file, xml);
  }
  files.set(
    '[Content_Types].xml',
    replaceOnce(files.get('[Content_Types].xml'), '</Types>', '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>', 'the content types'),
  );
  files.set(
    'xl/_rels/workbook.xml.rels',
    replaceOnce(files.get('xl/_rels/workbook.xml.rels'), '</Relationships>', '<Relationship Id="rIdYibaoMetadata" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/></Relationships>', 'the workbook relationships'),
  );
  const names = entries.map((e) => e.name);
  names.splice(names.indexOf('xl/workbook.xml') + 1, 0, 'xl/metadata.xml');
  files.set('xl/metadata.xml', METADATA);
  return writeZip(names.map((name) => ({ name, data: Buffer.from(files.get(name), 'utf8') })));
}

module.exports = { templateXlsx, stored, CLAIMS, ROSTER, WHATIF, FORMULAS, BUDGET_YEAR, TEMPLATE_PATH: 'samples/yibao-template.xlsx' };

if (require.main === module) {
  // node addin/template.js [out.xlsx]: write the template (the build does this too)
  const path = require('path');
  const fs = require('fs');
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'samples', 'yibao-template.xlsx'));
  templateXlsx().then((buf) => {
    fs.writeFileSync(out, buf);
    process.stdout.write(`${out}: ${buf.length} bytes\n`);
  });
}
