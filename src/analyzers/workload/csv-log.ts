import type { LogRecord } from './log-collector.js';

/**
 * PostgreSQL's csvlog: RFC 4180 CSV (quoted fields may hold newlines and doubled quotes), one
 * record per log entry. Columns as documented: log_time, user_name, database_name, process_id,
 * connection_from, session_id, session_line_num, command_tag, session_start_time,
 * virtual_transaction_id, transaction_id, error_severity, sql_state_code, message, ... Newer
 * versions append columns (backend_type, leader_pid, query_id); extra trailing ones are ignored.
 */
const PROCESS_ID = 3;
const SESSION_ID = 5;
const TRANSACTION_ID = 10;
const SEVERITY = 11;
const MESSAGE = 13;

export function csvRecordToLog(fields: readonly string[]): LogRecord | undefined {
  if (fields.length <= MESSAGE) return undefined;
  const sessionId = fields[SESSION_ID] || fields[PROCESS_ID] || 'unknown';
  const xid = fields[TRANSACTION_ID];
  return { sessionId, ...(xid ? { xid } : {}), severity: fields[SEVERITY]!, message: fields[MESSAGE]! };
}

const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** A quote inside a quoted field: either the closing quote or the first of a doubled pair. */
  QuoteInQuoted: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/** A streaming CSV parser: push text in chunks of any size, then end(). */
export class CsvParser {
  private state: State = State.FieldStart;
  private field = '';
  private record: string[] = [];

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  push(chunk: string): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Quoted: {
          const q = chunk.indexOf('"', i);
          if (q < 0) {
            this.field += chunk.slice(i);
            return;
          }
          this.field += chunk.slice(i, q);
          this.state = State.QuoteInQuoted;
          i = q + 1;
          break;
        }
        case State.QuoteInQuoted:
          if (chunk.charCodeAt(i) === 34) {
            this.field += '"';
            this.state = State.Quoted;
            i++;
          } else this.state = State.Unquoted;
          break;
        case State.FieldStart:
          if (chunk.charCodeAt(i) === 34) {
            this.state = State.Quoted;
            i++;
          } else this.state = State.Unquoted;
          break;
        case State.Unquoted: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = chunk.charCodeAt(j);
            if (c === 44 || c === 10 || c === 13) break;
            j++;
          }
          if (j > i) this.field += chunk.slice(i, j);
          if (j >= n) return;
          i = j + 1;
          if (c === 44) this.endField();
          else if (c === 10) this.endRecord();
          // A CR is dropped: the LF after it ends the record.
          break;
        }
      }
    }
  }

  end(): void {
    if (this.state === State.Quoted || this.field !== '' || this.record.length > 0) this.endRecord();
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRecord(): void {
    this.endField();
    const record = this.record;
    this.record = [];
    if (record.length === 1 && record[0] === '') return;
    this.onRecord(record);
  }
}
