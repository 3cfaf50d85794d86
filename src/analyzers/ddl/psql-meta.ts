/**
 * psql scripts hold lines the server never sees: meta-commands (`\connect`, `\set`,
 * `\restrict` in recent pg_dump output...) and the data of `COPY ... FROM stdin` up to `\.`.
 * They are blanked out, newlines kept, so that line numbers in error messages stay true.
 * Lines inside strings, dollar quotes and comments are left alone.
 */
export function stripPsqlMeta(text: string): string {
  if (!text.includes('\\')) return text;
  const out: string[] = [];
  let kept = 0; // text[kept..] is not yet copied to out
  let stmtStart = 0;
  let i = 0;
  const n = text.length;
  let atLineStart = true;
  let copyPending = false;

  const blankLines = (from: number, to: number): void => {
    out.push(text.slice(kept, from));
    out.push(text.slice(from, to).replace(/[^\n]/g, ''));
    kept = to;
  };
  const endOfLine = (from: number): number => {
    const nl = text.indexOf('\n', from);
    return nl < 0 ? n : nl + 1;
  };

  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      if (copyPending) {
        // COPY data runs to a line holding only `\.`.
        copyPending = false;
        let end = i;
        while (end < n) {
          const lineEnd = endOfLine(end);
          const line = text.slice(end, lineEnd).trim();
          end = lineEnd;
          if (line === '\\.') break;
        }
        blankLines(i, end);
        i = end;
        stmtStart = i;
        atLineStart = true;
        continue;
      }
      let p = i;
      while (p < n && (text[p] === ' ' || text[p] === '\t')) p++;
      if (text[p] === '\\') {
        const end = endOfLine(p);
        blankLines(i, end);
        i = end;
        atLineStart = true;
        continue;
      }
    }
    const ch = text[i]!;
    if (ch === '\n') {
      atLineStart = true;
      i++;
    } else if (ch === "'" || ch === '"') {
      const backslashes = ch === "'" && i > 0 && /[eE]/.test(text[i - 1]!) && !/[A-Za-z0-9_]/.test(text[i - 2] ?? ' ');
      i = skipQuoted(text, i, ch, backslashes);
    } else if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_]/.test(text[i - 1] ?? ' ')) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
      } else i++;
    } else if (ch === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
    } else if (ch === '/' && text[i + 1] === '*') {
      i = skipBlockComment(text, i);
    } else if (ch === ';') {
      if (isCopyFromStdin(text.slice(stmtStart, i))) {
        copyPending = true;
        i = endOfLine(i);
        atLineStart = true;
      } else i++;
      stmtStart = i;
    } else i++;
  }
  if (kept === 0) return text;
  out.push(text.slice(kept));
  return out.join('');
}

function isCopyFromStdin(statement: string): boolean {
  const code = statement
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^[ \t]*\\.*$/gm, '');
  return /^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i.test(code);
}

function skipQuoted(text: string, open: number, quote: string, backslashes: boolean): number {
  let p = open + 1;
  while (p < text.length) {
    const ch = text[p]!;
    if (backslashes && ch === '\\') p += 2;
    else if (ch === quote) {
      if (text[p + 1] !== quote) return p + 1;
      p += 2;
    } else p++;
  }
  return text.length;
}

function skipBlockComment(text: string, open: number): number {
  let depth = 0;
  let p = open;
  while (p < text.length) {
    if (text.startsWith('/*', p)) {
      depth++;
      p += 2;
    } else if (text.startsWith('*/', p)) {
      p += 2;
      if (--depth === 0) return p;
    } else p++;
  }
  return p;
}
