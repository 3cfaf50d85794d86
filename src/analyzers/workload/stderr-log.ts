import type { LogRecord } from './log-collector.js';

/**
 * PostgreSQL's stderr log format with an unknown log_line_prefix. Each entry is one line
 * `<prefix><SEVERITY>:  <message>`, continued on lines that begin with a TAB. From the prefix
 * we need who ran it: the session id (%c, e.g. `6541f0a2.1267`) or else the process id in
 * brackets (%p as in `[%p]`, `[%p-%l]`), and a transaction id when one is labelled
 * (`xid=%x`, `tx=%x`). Prefixes known to work: `%m [%p] ` (the default),
 * `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ` (pgBadger's), `%m [%p] %q%u@%d xid=%x `.
 */

const HEADER = /^(.*?)\b(LOG|ERROR|WARNING|NOTICE|INFO|DEBUG[1-5]?|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  ([\s\S]*)$/;
const SESSION_ID = /(?:^|[^0-9a-f.])([0-9a-f]{8}\.[0-9a-f]{1,8})(?![0-9a-f.])/;
const PID = /\[(\d+)(?:-\d+)?\]/;
const PID_LABEL = /\bpid[=:](\d+)/i;
const XID = /\b(?:xid|txid|tx|transaction)[=:](\d+)/i;

export interface PrefixInfo {
  readonly sessionId: string;
  readonly xid?: string;
}

export function parsePrefix(prefix: string): PrefixInfo {
  const session = SESSION_ID.exec(prefix)?.[1] ?? PID.exec(prefix)?.[1] ?? PID_LABEL.exec(prefix)?.[1] ?? 'unknown';
  const xid = XID.exec(prefix)?.[1];
  return xid === undefined ? { sessionId: session } : { sessionId: session, xid };
}

/** Turns stderr log lines into records; feed every line, then call end(). */
export class StderrLogReader {
  private current: { prefix: PrefixInfo; severity: string; lines: string[] } | undefined;

  constructor(private readonly onRecord: (r: LogRecord) => void) {}

  line(line: string): void {
    if (line.charCodeAt(0) === 9) {
      this.current?.lines.push(line.slice(1));
      return;
    }
    this.end();
    const m = HEADER.exec(line);
    if (!m) return;
    this.current = { prefix: parsePrefix(m[1]!), severity: m[2]!, lines: [m[3]!] };
  }

  end(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.onRecord({ ...c.prefix, severity: c.severity, message: c.lines.length === 1 ? c.lines[0]! : c.lines.join('\n') });
  }
}
