/**
 * What PostgreSQL's statement logging writes (log_statement, log_min_duration_statement,
 * log_duration), in stderr and csvlog alike, and how to read it.
 */

export type LogMessage =
  | { readonly type: 'statement'; readonly text: string; readonly durationMs?: number }
  /** `duration: X ms` alone: the time of the session's previous statement (log_duration). */
  | { readonly type: 'duration'; readonly durationMs: number }
  | { readonly type: 'other' };

const OTHER: LogMessage = { type: 'other' };
const DURATION = /^duration: ([0-9.]+) ms(?:\s+(statement|execute|parse|bind)\b([^:]*): ([\s\S]*))?$/;
const STATEMENT = /^statement: ([\s\S]*)$/;
const EXECUTE = /^execute\b([^:]*): ([\s\S]*)$/;

/**
 * Classify a LOG message. Extended-protocol `parse` and `bind` lines are not executions, and
 * `execute fetch from` is another fetch from a portal already counted, so neither counts.
 */
export function classifyLogMessage(message: string): LogMessage {
  if (message.startsWith('duration: ')) {
    const m = DURATION.exec(message);
    if (!m) return OTHER;
    const durationMs = Number(m[1]);
    if (m[2] === undefined) return { type: 'duration', durationMs };
    if (m[2] === 'statement' || (m[2] === 'execute' && !m[3]!.startsWith(' fetch from'))) return { type: 'statement', text: m[4]!, durationMs };
    return OTHER;
  }
  if (message.startsWith('statement: ')) return { type: 'statement', text: STATEMENT.exec(message)![1]! };
  if (message.startsWith('execute')) {
    const m = EXECUTE.exec(message);
    if (m && !m[1]!.startsWith(' fetch from')) return { type: 'statement', text: m[2]! };
  }
  return OTHER;
}
