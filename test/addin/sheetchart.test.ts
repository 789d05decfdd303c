// The totals written to a sheet with a native Excel chart, driven through a small fake of the
// Excel objects writeTotalsChart calls (recording what a real workbook would receive).
import { writeTotalsChart, chartPlace, columnName, CHART_TITLE, type ContextLike, type RangeLike, type ChartLike } from '../../addin/src/taskpane/sheetchart';
import { addUp, chartSvg, textWidth } from '../../addin/src/taskpane/chart';

interface FakeRange extends RangeLike { at: [number, number, number, number]; autofitted: boolean }
function fakeWorkbook() {
  const log: string[] = [];
  const ranges: FakeRange[] = [];
  const charts: (ChartLike & { type: string; source: FakeRange; seriesBy: string; deleted: number[]; position: string[] })[] = [];
  let synced = 0;
  const sheets: string[] = [];
  const ctx: ContextLike = {
    workbook: {
      worksheets: {
        add(name) {
          sheets.push(name);
          log.push(`add sheet ${name}`);
          return {
            getRangeByIndexes(r, c, h, w) {
              const range: FakeRange = { at: [r, c, h, w], values: [], numberFormat: [], autofitted: false, format: { font: {}, autofitColumns: () => ((range.autofitted = true), log.push('autofit')) } };
              ranges.push(range);
              return range;
            },
            charts: {
              add(type, source, seriesBy) {
                log.push(`chart ${type}`);
                const deleted: number[] = [];
                const chart = {
                  type, source: source as FakeRange, seriesBy, deleted, position: [] as string[],
                  title: { text: '', format: { font: {} } }, legend: { position: 'Right' },
                  series: { getItemAt: (i: number) => ({ delete: () => deleted.push(i) }) },
                  axes: { categoryAxis: { format: { font: {} } }, valueAxis: { numberFormat: 'General', format: { font: {} } } },
                  setPosition(start: string, end?: string) { chart.position = end ? [start, end] : [start]; },
                  height: 216, width: 360,
                };
                charts.push(chart);
                return chart;
              },
            },
            activate: () => log.push('activate'),
          };
        },
      },
    },
    sync: async () => {
      synced++;
      log.push('sync');
    },
  };
  return { ctx, log, ranges, charts, sheets, synced: () => synced };
}

const totals = addUp([
  { category: 'dibao', label: '低保对象', amounts: { basic: 30000, critical: 9100, assistance: 7630, reassist: 0 } },
  { category: 'extremely_poor', label: '特困人员', amounts: { basic: 20000, critical: '0.10', assistance: 9000.5, reassist: 100 } },
  { category: 'dibao', label: '低保对象', amounts: { basic: 1, critical: 0, assistance: 0.7, reassist: 0 } },
]);

test('the totals table is written, money formatted, columns fitted, and a stacked-bar chart of it placed beside', async () => {
  const wb = fakeWorkbook();
  await writeTotalsChart(wb.ctx, totals, 'YIBAO合计 101500');
  expect(wb.sheets).toEqual(['YIBAO合计 101500']);
  const table = wb.ranges[0];
  expect(table.at).toEqual([0, 0, 4, 6]);
  // by hand: 低保对象 two claims, 30000 + 1, 9100 + 0, 7630 + 0.7; the total row sums both categories
  expect(table.values).toEqual([
    ['类别 category', '笔数 claims', '基本医保 basic', '大病保险 critical', '医疗救助 assistance', '再救助 reassist'],
    ['低保对象', 2, 30001, 9100, 7630.7, 0],
    ['特困人员', 1, 20000, 0.1, 9000.5, 100],
    ['合计 total', 3, 50001, 9100.1, 16631.2, 100],
  ]);
  expect(table.autofitted).toBe(true);
  const money = wb.ranges.find((r) => r.numberFormat.length > 0)!;
  expect(money.at).toEqual([1, 2, 3, 4]);
  expect(money.numberFormat).toEqual(Array(3).fill(Array(4).fill('#,##0.00')));

  expect(wb.charts).toHaveLength(1);
  const chart = wb.charts[0];
  expect([chart.type, chart.seriesBy]).toEqual(['BarStacked', 'Columns']);
  expect(chart.source.at).toEqual([0, 0, 3, 6]); // header and categories, not the total row
  expect(chart.deleted).toEqual([0]); // the claims count is no money
  expect(chart.title.text).toBe(CHART_TITLE);
  expect(chart.legend.position).toBe('Bottom');
  expect(chart.axes.valueAxis.numberFormat).toBe('#,##0');
  expect(chart.position).toEqual(['H2']); // one empty column after the table's six
  expect(chart.height).toBe(320);
  // everything is queued before the one sync that sends it
  expect(wb.log[wb.log.length - 1]).toBe('sync');
  expect(wb.synced()).toBe(1);
});

test('the chart grows with the categories so each keeps its label; column names past Z', () => {
  expect(chartPlace(2, 6).height).toBe(320);
  expect(chartPlace(12, 6).height).toBe(110 + 28 * 12);
  expect(columnName(0)).toBe('A');
  expect(columnName(25)).toBe('Z');
  expect(columnName(26)).toBe('AA');
  expect(columnName(701)).toBe('ZZ');
  expect(columnName(702)).toBe('AAA');
});

test("the pane's own chart leaves room for the longest category name", () => {
  const t = addUp([
    { category: 'dibao_marginal', label: '低保边缘家庭成员', amounts: { basic: 100 } },
    { category: 'dibao', label: '低保对象', amounts: { basic: 50 } },
  ]);
  const svg = chartSvg(t, 320);
  const x = Number(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">低保边缘家庭成员<\/text>/.exec(svg)![1]);
  expect(textWidth('低保边缘家庭成员')).toBe(88);
  expect(x - 88).toBeGreaterThanOrEqual(0); // the label ends at x and starts inside the picture
  // and the longest bar still ends before the total written after it
  const bars = [...svg.matchAll(/<rect class="bar[^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]) + Number(m[2]));
  expect(Math.max(...bars)).toBeLessThanOrEqual(320 - 56 + 0.1);
});
