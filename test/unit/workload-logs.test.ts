import { describe, expect, it } from 'vitest';
import { CsvParser, csvRecordToLog } from '../../src/analyzers/workload/csv-log.js';
import type { LogRecord } from '../../src/analyzers/workload/log-collector.js';
import { classifyLogMessage } from '../../src/analyzers/workload/log-messages.js';
import { parsePrefix, StderrLogReader } from '../../src/analyzers/workload/stderr-log.js';

function readStderr(lines: string[]): LogRecord[] {
  const out: LogRecord[] = [];
  const reader = new StderrLogReader((r) => out.push(r));
  for (const l of lines) reader.line(l);
  reader.end();
  return out;
}

function parseCsv(chunks: string[]): string[][] {
  const out: string[][] = [];
  const parser = new CsvParser((r) => out.push(r));
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

describe('log_line_prefix detection', () => {
  it('finds the process id of the default prefix %m [%p]', () => {
    expect(parsePrefix('2026-11-02 10:00:00.123 UTC [4711] ')).toEqual({ sessionId: '4711' });
  });

  it("finds the process id of pgBadger's prefix, not the line number", () => {
    expect(parsePrefix('2026-11-02 10:00:00 UTC [5001]: [3-1] user=app,db=shop,app=web,client=10.0.0.1 ')).toEqual({ sessionId: '5001' });
  });

  it('prefers the session id (%c) and reads a labelled transaction id (%x)', () => {
    expect(parsePrefix('2026-11-02 10:00:00.123 UTC [6541f0a2.1267] ')).toEqual({ sessionId: '6541f0a2.1267' });
    expect(parsePrefix('1762077600.123 [65410002.1267] [4711] ')).toEqual({ sessionId: '65410002.1267' });
    expect(parsePrefix('2026-11-02 10:00:00.000 UTC [6001] app@shop xid=735 ')).toEqual({ sessionId: '6001', xid: '735' });
  });
});

describe('stderr log entries', () => {
  it('joins TAB continuation lines and splits severity from message', () => {
    const records = readStderr([
      '2026-11-02 10:00:00.103 UTC [4712] LOG:  statement: SELECT u.email',
      '\tFROM users u',
      '\tWHERE u.id = 7',
      '2026-11-02 10:00:00.500 UTC [4715] ERROR:  relation "nope" does not exist',
      'garbage that is not a log line',
      '2026-11-02 10:00:00.500 UTC [4715] STATEMENT:  SELECT * FROM nope',
    ]);
    expect(records).toEqual([
      { sessionId: '4712', severity: 'LOG', message: 'statement: SELECT u.email\nFROM users u\nWHERE u.id = 7' },
      { sessionId: '4715', severity: 'ERROR', message: 'relation "nope" does not exist' },
      { sessionId: '4715', severity: 'STATEMENT', message: 'SELECT * FROM nope' },
    ]);
  });
});

describe('statement log messages', () => {
  it('reads log_statement, log_min_duration_statement and log_duration forms', () => {
    expect(classifyLogMessage('statement: SELECT 1')).toEqual({ type: 'statement', text: 'SELECT 1' });
    expect(classifyLogMessage('duration: 0.532 ms  statement: SELECT 1')).toEqual({ type: 'statement', text: 'SELECT 1', durationMs: 0.532 });
    expect(classifyLogMessage('execute <unnamed>: SELECT $1')).toEqual({ type: 'statement', text: 'SELECT $1' });
    expect(classifyLogMessage('duration: 1.2 ms  execute S_1: UPDATE t SET a = $1')).toEqual({ type: 'statement', text: 'UPDATE t SET a = $1', durationMs: 1.2 });
    expect(classifyLogMessage('duration: 3.000 ms')).toEqual({ type: 'duration', durationMs: 3 });
  });

  it('does not count parse, bind, portal fetches or other messages', () => {
    for (const m of [
      'duration: 0.3 ms  parse S_2: SELECT 1',
      'duration: 0.1 ms  bind S_2: SELECT 1',
      'execute fetch from S_3/C_1: SELECT 1',
      'duration: 0.1 ms  execute fetch from S_3/C_1: SELECT 1',
      'checkpoint starting: time',
      'connection received: host=127.0.0.1 port=5000',
    ]) {
      expect(classifyLogMessage(m), m).toEqual({ type: 'other' });
    }
  });
});

describe('csvlog', () => {
  it('parses quoted fields with embedded newlines and doubled quotes, across chunk boundaries', () => {
    const text = 'a,"b ""q"" c","line1\nline2",,d\r\nx,"",y\n\nlast,"no newline"';
    const expected = [
      ['a', 'b "q" c', 'line1\nline2', '', 'd'],
      ['x', '', 'y'],
      ['last', 'no newline'],
    ];
    expect(parseCsv([text])).toEqual(expected);
    // Every possible split point, including inside a doubled quote.
    for (let i = 1; i < text.length; i++) expect(parseCsv([text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(expected);
    expect(parseCsv(text.split(''))).toEqual(expected);
  });

  it('maps the documented columns and tolerates extra trailing ones', () => {
    const fields = ['2026-11-02 10:00:00.100 UTC', 'app', 'shop', '7001', '127.0.0.1:5000', '6541f0a2.1b59', '1', 'idle', '2026-11-02 09:59:00 UTC', '3/10', '812', 'LOG', '00000', 'statement: BEGIN'];
    expect(csvRecordToLog([...fields, '', '', '', '', '', '', '', '', 'web', 'client backend', '', '0', 'future'])).toEqual({
      sessionId: '6541f0a2.1b59',
      xid: '812',
      severity: 'LOG',
      message: 'statement: BEGIN',
    });
    const noSession = [...fields];
    noSession[5] = '';
    noSession[10] = '0';
    expect(csvRecordToLog(noSession)).toMatchObject({ sessionId: '7001', xid: '0' });
    expect(csvRecordToLog(['too', 'short'])).toBeUndefined();
  });
});
