/** Markdown helpers shared by the markdown reporters. */
export function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `| ${headers.map(mdEscape).join(' | ')} |`;
  const sep = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${headers.map((_, i) => mdEscape(r[i] ?? '')).join(' | ')} |`);
  return [head, sep, ...body].join('\n') + '\n';
}

export function mdCode(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}
