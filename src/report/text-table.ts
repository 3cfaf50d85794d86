/**
 * Aligned plain-text tables for the terminal. Widths ignore ANSI colour codes so coloured
 * cells line up.
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

export interface TableOptions {
  /** Indexes of columns to right-align (numbers). */
  readonly right?: readonly number[];
  readonly indent?: number;
  /** Cells longer than this are cut with an ellipsis. */
  readonly maxCellWidth?: number;
  readonly headerStyle?: (s: string) => string;
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const max = options.maxCellWidth ?? 80;
  const clip = (s: string) => (visibleWidth(s) > max ? [...s.replace(ANSI, '')].slice(0, max - 1).join('') + '…' : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...cells.map((r) => visibleWidth(r[i] ?? ''))));
  const right = new Set(options.right ?? []);
  const pad = (s: string, i: number) => {
    const gap = ' '.repeat(Math.max(0, widths[i]! - visibleWidth(s)));
    return right.has(i) ? gap + s : s + gap;
  };
  const indent = ' '.repeat(options.indent ?? 2);
  const style = options.headerStyle ?? ((s: string) => s);
  const lines = [indent + style(headers.map(pad).join('  ').trimEnd())];
  for (const r of cells) lines.push(indent + headers.map((_, i) => pad(r[i] ?? '', i)).join('  ').trimEnd());
  return lines.join('\n') + '\n';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Collapse whitespace and cut long SQL for one-line display. */
export function oneLineSql(sql: string, max = 100): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
