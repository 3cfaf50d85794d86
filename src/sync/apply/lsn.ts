/**
 * PostgreSQL WAL positions (pg_lsn, `16/B374D848`) as bigints, for comparing and for the
 * replication protocol's 64-bit fields.
 */

export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not an LSN: "${text}"`);
  return (BigInt('0x' + m[1]!) << 32n) | BigInt('0x' + m[2]!);
}

export function formatLsn(value: bigint): string {
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffffffffn);
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}

/** -1, 0, 1 like a comparator. */
export function compareLsn(a: string, b: string): number {
  const x = parseLsn(a);
  const y = parseLsn(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
