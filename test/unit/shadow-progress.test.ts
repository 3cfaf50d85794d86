import { describe, expect, it } from 'vitest';
import { etaMs, formatDuration, ProgressBoard, renderBar, renderProgressLine, type ProgressState } from '../../src/report/progress.js';

/** The progress renderer used by shadow start (and later diff): bars, ETA, plain lines off a terminal. */

const running: ProgressState = { label: 'public.orders', done: 250_000, total: 1_000_000, unit: 'rows', bytes: 25 * 1024 * 1024, elapsedMs: 5_000, status: 'running' };

describe('progress rendering', () => {
  it('draws a bar with percent, counts, bytes, rate and ETA from the rate so far', () => {
    expect(renderBar(0.25, 20)).toBe('[#####...............]');
    expect(renderBar(undefined, 5)).toBe('[  ?  ]');
    expect(etaMs(running)).toBe(15_000);
    const line = renderProgressLine(running);
    expect(line).toBe('public.orders  [#####...............]   25%  250,000/1,000,000 rows  25.0 MB  50,000 rows/s, 5.0 MB/s  ETA 15s');
    expect(renderProgressLine({ ...running, status: 'done', done: 1_000_123, elapsedMs: 20_000 })).toContain('100%  1,000,123 rows');
    expect(renderProgressLine({ ...running, total: undefined })).toContain('  ?%');
    expect(renderProgressLine(running, { columns: 30 })).toHaveLength(30);
  });

  it('formats durations for people', () => {
    expect([formatDuration(400), formatDuration(12_400), formatDuration(185_000), formatDuration(3_720_000)]).toEqual(['0.4s', '12s', '3m05s', '1h02m']);
  });

  it('off a terminal: a line when a task starts and ends, and at most every interval while it runs', () => {
    let now = 0;
    const out: string[] = [];
    const board = new ProgressBoard((t) => out.push(t), { tty: false, plainEveryMs: 10_000, now: () => now });
    board.update('a', { ...running, done: 0, elapsedMs: 0 });
    now = 2_000;
    board.update('a', running);
    now = 11_000;
    board.update('a', { ...running, done: 600_000, elapsedMs: 11_000 });
    board.update('a', { ...running, status: 'done', done: 1_000_000, elapsedMs: 12_000 });
    expect(out).toHaveLength(3);
    expect(out[0]).toBe('public.orders: started (about 1,000,000 rows)\n');
    expect(out[1]).toContain('600,000/1,000,000 rows');
    expect(out[2]).toContain('done in 12s');
  });

  it('on a terminal: redraws the bars in place', () => {
    const out: string[] = [];
    const board = new ProgressBoard((t) => out.push(t), { tty: true, redrawMs: 0 });
    board.update('a', running);
    board.update('b', { ...running, label: 'public.items' });
    const second = out[1]!;
    expect(second.startsWith('\u001b[1A')).toBe(true);
    expect(second.split('\n').filter(Boolean)).toHaveLength(2);
  });
});
