// The pane's totals written to a new sheet with a native Excel chart (Office.js charts API), beside
// the pane's own SVG chart. The Excel objects are described here by the few members used, so the
// test drives this with a small fake and no Office globals are touched; the pane passes the
// RequestContext of Excel.run.
import { totalsTable, type CategoryTotals } from './chart';

export interface FontLike { size?: number; bold?: boolean }
export interface RangeLike {
  values: unknown[][];
  numberFormat: unknown[][];
  format: { font: FontLike; autofitColumns(): void };
}
export interface ChartLike {
  title: { text: string; format: { font: FontLike } };
  legend: { position: string };
  series: { getItemAt(index: number): { delete(): void } };
  axes: { categoryAxis: { format: { font: FontLike } }; valueAxis: { numberFormat: string; format: { font: FontLike } } };
  setPosition(startCell: string, endCell?: string): void;
  height: number;
  width: number;
}
export interface SheetLike {
  getRangeByIndexes(row: number, column: number, rowCount: number, columnCount: number): RangeLike;
  charts: { add(type: 'BarStacked', source: RangeLike, seriesBy: 'Columns'): ChartLike };
  activate(): void;
}
export interface ContextLike {
  workbook: { worksheets: { add(name: string): SheetLike } };
  sync(): Promise<unknown>;
}

const MONEY_FORMAT = '#,##0.00';
export const CHART_TITLE = '按类别和保障层级的合计 Totals by category and tier';

/** Excel's name of a column (0 → A, 26 → AA). */
export function columnName(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * Where the chart goes and how tall it is: from the second column right of the table, as many rows
 * as the bars need (about 28 px a category, at least 320 px). Each category name is an axis label
 * and the legend sits below the plot, so the long Chinese names are not cut off by a narrow chart.
 */
export function chartPlace(categories: number, tableColumns: number): { start: string; height: number; width: number } {
  return { start: `${columnName(tableColumns + 1)}2`, height: Math.max(320, 110 + 28 * categories), width: 560 };
}

/** Write the totals table and its stacked-bar chart to a new sheet named `sheetName`. */
export async function writeTotalsChart(ctx: ContextLike, totals: CategoryTotals[], sheetName: string): Promise<void> {
  const table = totalsTable(totals);
  const width = table[0].length;
  const sheet = ctx.workbook.worksheets.add(sheetName);
  const all = sheet.getRangeByIndexes(0, 0, table.length, width);
  all.values = table;
  sheet.getRangeByIndexes(0, 0, 1, width).format.font.bold = true;
  sheet.getRangeByIndexes(table.length - 1, 0, 1, width).format.font.bold = true;
  // money columns as money; the count column and labels as they are
  sheet.getRangeByIndexes(1, 2, table.length - 1, width - 2).numberFormat = table.slice(1).map(() => Array(width - 2).fill(MONEY_FORMAT));
  all.format.autofitColumns(); // the Chinese headers and category names shown whole
  // The chart: categories × tiers, without the total row; the claims count (the first series) is
  // not money and comes out.
  const data = sheet.getRangeByIndexes(0, 0, table.length - 1, width);
  const chart = sheet.charts.add('BarStacked', data, 'Columns');
  chart.series.getItemAt(0).delete();
  chart.title.text = CHART_TITLE;
  chart.title.format.font.size = 12;
  chart.legend.position = 'Bottom';
  chart.axes.categoryAxis.format.font.size = 10;
  chart.axes.valueAxis.numberFormat = '#,##0';
  const place = chartPlace(table.length - 2, width);
  chart.setPosition(place.start);
  chart.width = place.width;
  chart.height = place.height;
  sheet.activate();
  await ctx.sync();
}
