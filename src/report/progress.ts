import { formatBytes, formatCount, visibleWidth } from './text-table.js';

/**
 * Progress of several concurrent tasks (tables being copied, tables being diffed): on a
 * terminal, one bar per task redrawn in place; elsewhere (a log, CI), plain lines when a task
 * starts and ends, and now and then while it runs. No dependency: a few ANSI sequences.
 */

export type ProgressStatus = 'waiting' | 'running' | 'done' | 'failed';

export interface ProgressState {
  readonly label: string;
  /** Units done (rows). */
  readonly done: number;
  /** Expected units, when known (an estimate: done may pass it). */
  readonly total?: number | undefined;
  /** Name of the unit, plural (`rows`). */
  readonly unit: string;
  readonly bytes?: number | undefined;
  readonly elapsedMs: number;
  readonly status: ProgressStatus;
  /** Shown after the figures (a failure's message). */
  readonly note?: string | undefined;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Done fraction in [0, 1], or undefined when there is no estimate. */
export function fractionOf(s: ProgressState): number | undefined {
  if (s.status === 'done') return 1;
  if (s.total === undefined || s.total <= 0) return undefined;
  return Math.min(1, s.done / s.total);
}

/** Remaining time from the rate so far; undefined when unknown. */
export function etaMs(s: ProgressState): number | undefined {
  if (s.status !== 'running' || s.total === undefined || s.done <= 0 || s.elapsedMs <= 0) return undefined;
  const remaining = s.total - s.done;
  if (remaining <= 0) return undefined;
  return remaining / (s.done / s.elapsedMs);
}

export function rateText(s: ProgressState): string {
  if (s.elapsedMs <= 0) return '';
  const perSec = (n: number) => n / (s.elapsedMs / 1000);
  const parts = [`${formatCount(Math.round(perSec(s.done)))} ${s.unit}/s`];
  if (s.bytes !== undefined) parts.push(`${formatBytes(Math.round(perSec(s.bytes)))}/s`);
  return parts.join(', ');
}

export function renderBar(fraction: number | undefined, width: number): string {
  if (fraction === undefined) return `[${' '.repeat(Math.max(0, width - 1) >> 1)}?${' '.repeat(width - 1 - (Math.max(0, width - 1) >> 1))}]`;
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export interface LineOptions {
  readonly labelWidth?: number;
  readonly barWidth?: number;
  /** Cut the line to this many columns (a terminal's width). */
  readonly columns?: number;
}

/** One task as one line: label, bar, percent, counts, bytes, rate, ETA (or elapsed when done). */
export function renderProgressLine(s: ProgressState, options: LineOptions = {}): string {
  const label = s.label.padEnd(options.labelWidth ?? s.label.length);
  const f = fractionOf(s);
  const pct = f === undefined ? '  ?%' : `${Math.floor(f * 100)}%`.padStart(4);
  const count = `${formatCount(s.done)}${s.total !== undefined && s.status !== 'done' ? `/${formatCount(Math.round(s.total))}` : ''} ${s.unit}`;
  const parts = [label, renderBar(f, options.barWidth ?? 20), pct, count];
  if (s.bytes !== undefined) parts.push(formatBytes(s.bytes));
  const rate = rateText(s);
  if (s.status === 'running') {
    if (rate) parts.push(rate);
    const eta = etaMs(s);
    parts.push(`ETA ${eta === undefined ? '?' : formatDuration(eta)}`);
  } else if (s.status === 'done') {
    parts.push(`done in ${formatDuration(s.elapsedMs)}${rate ? ` (${rate})` : ''}`);
  } else if (s.status === 'failed') {
    parts.push('FAILED');
  } else {
    parts.push('waiting');
  }
  if (s.note) parts.push(s.note);
  const line = parts.join('  ');
  if (!options.columns || options.columns < 20 || visibleWidth(line) <= options.columns) return line;
  return [...line].slice(0, Math.max(0, options.columns - 1)).join('') + '…';
}

export interface BoardOptions {
  /** Redraw in place (a terminal) or print plain lines. */
  readonly tty: boolean;
  /** Terminal width, to keep each bar on one line. */
  readonly columns?: number | undefined;
  /** Minimum interval between redraws on a terminal. */
  readonly redrawMs?: number;
  /** Without a terminal: a running task's line at most this often. */
  readonly plainEveryMs?: number;
  readonly now?: () => number;
}

const UP = (n: number) => `\u001b[${n}A`;
const CLEAR_LINE = '\u001b[2K';

export class ProgressBoard {
  private readonly states = new Map<string, ProgressState>();
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly lastPlain = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: BoardOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Set a task's state; a task seen for the first time is added below the others. */
  update(key: string, state: ProgressState): void {
    const previous = this.states.get(key);
    this.states.set(key, state);
    if (this.options.tty) {
      const changedStatus = previous?.status !== state.status;
      if (changedStatus || this.now() - this.lastDraw >= (this.options.redrawMs ?? 100)) this.redraw();
      return;
    }
    this.plain(key, previous, state);
  }

  /** A line of text above the bars (or a plain line). */
  message(text: string): void {
    if (!this.options.tty) {
      this.write(text.endsWith('\n') ? text : text + '\n');
      return;
    }
    this.clear();
    this.write(text.endsWith('\n') ? text : text + '\n');
    this.redraw();
  }

  /** Draw the final state and leave the bars on screen. */
  finish(): void {
    if (this.options.tty) this.redraw();
    this.drawnLines = 0;
  }

  private labelWidth(): number {
    return Math.min(40, Math.max(0, ...[...this.states.values()].map((s) => s.label.length)));
  }

  private plain(key: string, previous: ProgressState | undefined, s: ProgressState): void {
    const line = () => renderProgressLine(s, { labelWidth: this.labelWidth(), barWidth: 10 });
    if (s.status !== previous?.status) {
      if (s.status === 'running' && previous === undefined) this.write(`${s.label}: started${s.total !== undefined ? ` (about ${formatCount(Math.round(s.total))} ${s.unit})` : ''}\n`);
      else if (s.status !== 'running') this.write(line() + '\n');
      this.lastPlain.set(key, this.now());
      return;
    }
    if (s.status === 'running' && this.now() - (this.lastPlain.get(key) ?? 0) >= (this.options.plainEveryMs ?? 10_000)) {
      this.lastPlain.set(key, this.now());
      this.write(line() + '\n');
    }
  }

  private clear(): void {
    if (this.drawnLines === 0) return;
    let out = UP(this.drawnLines);
    for (let i = 0; i < this.drawnLines; i++) out += `${CLEAR_LINE}\n`;
    this.write(out + UP(this.drawnLines));
    this.drawnLines = 0;
  }

  private redraw(): void {
    this.lastDraw = this.now();
    const width = this.labelWidth();
    const lines = [...this.states.values()].map((s) => renderProgressLine(s, { labelWidth: width, columns: this.options.columns }));
    let out = this.drawnLines > 0 ? UP(this.drawnLines) : '';
    for (const l of lines) out += `${CLEAR_LINE}${l}\n`;
    this.write(out);
    this.drawnLines = lines.length;
  }
}
