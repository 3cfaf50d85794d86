import { describe, expect, it } from 'vitest';
import { experiment, type ExperimentResult } from '../../src/experiment.js';

const delay = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('experiment()', () => {
  it('returns the control result and publishes nothing when they match', async () => {
    const published: ExperimentResult<number[]>[] = [];
    const v = await experiment({ name: 'same', control: async () => [1, 2], candidate: async () => [1, 2], publish: (r) => void published.push(r) });
    expect(v).toEqual([1, 2]);
    expect(published).toEqual([]);
  });

  it('publishes a mismatch with both durations, and still returns the control', async () => {
    const published: ExperimentResult<{ id: number; total: string }[]>[] = [];
    const control = [{ id: 1, total: '10.00' }, { id: 2, total: '5.00' }];
    const v = await experiment({
      name: 'rows',
      control: () => delay(5, control),
      candidate: async () => [{ id: 2, total: '5.00' }, { id: 1, total: '11.00' }],
      compare: { key: ['id'] },
      publish: (r) => void published.push(r),
    });
    expect(v).toBe(control);
    expect(published).toHaveLength(1);
    expect(published[0]!.matched).toBe(false);
    expect(published[0]!.comparison).toMatchObject({ changed: 1, missing: 0, extra: 0 });
    expect(published[0]!.comparison!.samples[0]).toMatchObject({ kind: 'changed', row: { id: '1' }, columns: [{ column: 'total', legacy: '10.00', candidate: '11.00' }] });
    expect(published[0]!.control.durationMs).toBeGreaterThanOrEqual(4);
    expect(published[0]!.candidate.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('row arrays within tolerance match (publishAll shows it)', async () => {
    const published: ExperimentResult<{ x: number }[]>[] = [];
    await experiment({ name: 'tol', control: async () => [{ x: 1 }], candidate: async () => [{ x: 1.001 }], compare: { tolerance: { numeric: 0.01 } }, publish: (r) => void published.push(r), publishAll: true });
    expect(published.map((p) => p.matched)).toEqual([true]);
  });

  it("publishes the candidate's error instead of throwing it", async () => {
    const published: ExperimentResult<string>[] = [];
    const v = await experiment({ name: 'err', control: async () => 'ok', candidate: () => Promise.reject(new Error('boom')), publish: (r) => void published.push(r) });
    expect(v).toBe('ok');
    expect((published[0]!.candidate.error as Error).message).toBe('boom');
    expect(published[0]!.matched).toBe(false);
  });

  it("throws exactly the control's error", async () => {
    const err = new Error('control failed');
    await expect(experiment({ name: 'c', control: () => Promise.reject(err), candidate: async () => 1, publish: () => undefined })).rejects.toBe(err);
  });

  it('a failing publish does not change the result, and is reported', async () => {
    const reported: unknown[] = [];
    const v = await experiment({
      name: 'p',
      control: async () => ({ a: 1 }),
      candidate: async () => ({ a: 2 }),
      publish: () => {
        throw new Error('publisher down');
      },
      onPublishError: (e) => reported.push(e),
    });
    expect(v).toEqual({ a: 1 });
    expect((reported[0] as Error).message).toBe('publisher down');
  });

  it('disabled: the candidate does not run', async () => {
    let ran = false;
    const v = await experiment({ name: 'off', enabled: () => false, control: async () => 3, candidate: async () => ((ran = true), 4), publish: () => undefined });
    expect(v).toBe(3);
    expect(ran).toBe(false);
  });

  it('a compare function decides', async () => {
    const published: ExperimentResult<string>[] = [];
    await experiment({ name: 'f', control: async () => 'A', candidate: async () => 'a', compare: (a, b) => a.toLowerCase() === b.toLowerCase(), publish: (r) => void published.push(r) });
    expect(published).toEqual([]);
  });
});
