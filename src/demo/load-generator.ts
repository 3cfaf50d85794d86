import type pg from 'pg';
import { connect } from '../db/connect.js';

/**
 * The demo's load: a few clients writing to the sample monolith the way its application does
 * (checkouts, payments captured, sign-ups, carts, sign-ins, stock receipts, expired sessions),
 * so shadow sync has inserts, updates and deletes of several services to stream. Each
 * operation is one transaction, as in the application; foreign keys hold throughout.
 */

export type LoadOperation = 'checkout' | 'capture' | 'register' | 'cart' | 'sign-in' | 'receive-stock' | 'remove-cart-item' | 'expire-session';

export interface LoadOptions {
  /** The monolith. */
  readonly url: string;
  readonly clients?: number;
  readonly durationMs?: number;
  /** Transactions per second per client (a paced load: the demo shows lag, not a benchmark). */
  readonly ratePerClient?: number;
  readonly signal?: AbortSignal;
}

export interface LoadResult {
  readonly transactions: number;
  readonly byOperation: Readonly<Record<LoadOperation, number>>;
  /** Transactions rolled back by a deadlock or a lost race with another client, not retried. */
  readonly conflicts: number;
  readonly ms: number;
}

interface Ranges {
  readonly maxUserId: number;
  readonly maxOrderId: number;
  readonly variants: readonly { readonly id: number; readonly productId: number; readonly price: string }[];
  readonly stock: readonly { readonly warehouseId: number; readonly variantId: number }[];
}

const WEIGHTS: readonly (readonly [LoadOperation, number])[] = [
  ['checkout', 6],
  ['capture', 4],
  ['register', 2],
  ['cart', 5],
  ['sign-in', 4],
  ['receive-stock', 2],
  ['remove-cart-item', 2],
  ['expire-session', 1],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((s, [, w]) => s + w, 0);

// Conflicts between clients are part of a real load; the application would retry, the demo
// just moves on: deadlock, serialization failure, unique violation.
const CONFLICT_CODES = new Set(['40P01', '40001', '23505']);

function pickOperation(): LoadOperation {
  let r = Math.random() * TOTAL_WEIGHT;
  for (const [op, w] of WEIGHTS) {
    r -= w;
    if (r < 0) return op;
  }
  return 'checkout';
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const randomId = (max: number): number => 1 + Math.floor(Math.random() * Math.max(1, max));

async function readRanges(client: pg.Client): Promise<Ranges> {
  const ids = await client.query<{ users: string | null; orders: string | null }>('SELECT (SELECT max(id) FROM users)::text AS users, (SELECT max(id) FROM orders)::text AS orders');
  const variants = await client.query<{ id: string; product_id: string; price: string }>(
    'SELECT v.id::text, v.product_id::text, v.price::text FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.is_active AND p.is_active ORDER BY v.id LIMIT 300',
  );
  const stock = await client.query<{ warehouse_id: number; product_variant_id: string }>('SELECT warehouse_id, product_variant_id::text FROM inventory_levels ORDER BY warehouse_id, product_variant_id LIMIT 300');
  return {
    maxUserId: Number(ids.rows[0]?.users ?? 1),
    maxOrderId: Number(ids.rows[0]?.orders ?? 1),
    variants: variants.rows.map((r) => ({ id: Number(r.id), productId: Number(r.product_id), price: r.price })),
    stock: stock.rows.map((r) => ({ warehouseId: r.warehouse_id, variantId: Number(r.product_variant_id) })),
  };
}

/** Unique per run and per client, so order numbers, emails and payment references never collide. */
class Names {
  private n = 0;
  constructor(private readonly tag: string) {}
  next(): string {
    return `${this.tag}${(++this.n).toString(36)}`;
  }
}

async function checkout(c: pg.Client, r: Ranges, names: Names): Promise<void> {
  const userId = randomId(r.maxUserId);
  const lines = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => pick(r.variants));
  const unique = [...new Map(lines.map((l) => [l.id, l])).values()];
  const quantities = unique.map(() => 1 + Math.floor(Math.random() * 2));
  const subtotal = unique.reduce((s, l, i) => s + Math.round(Number(l.price) * 100) * quantities[i]!, 0);
  const shipping = 599;
  const tax = Math.round(subtotal * 0.08);
  const money = (cents: number) => (cents / 100).toFixed(2);
  const name = names.next();
  const order = await c.query<{ id: string }>(
    `INSERT INTO orders (order_number, user_id, status, currency_code, subtotal, discount_total, shipping_total, tax_total, total, shipping_address_id, billing_address_id, metadata)
     SELECT $1, u.id, 'pending', 'USD', $2, 0, $3, $4, $5, a.id, a.id, '{"channel": "web", "source": "dbsplit demo"}'
     FROM users u LEFT JOIN LATERAL (SELECT id FROM addresses WHERE user_id = u.id ORDER BY is_default DESC, id LIMIT 1) a ON true
     WHERE u.id = $6 RETURNING id::text`,
    [`SW-${name}`.slice(0, 20), money(subtotal), money(shipping), money(tax), money(subtotal + shipping + tax), userId],
  );
  const orderId = order.rows[0]?.id;
  if (orderId === undefined) return;
  for (const [i, l] of unique.entries()) {
    await c.query('INSERT INTO order_items (order_id, product_id, product_variant_id, quantity, unit_price, tax_rate) VALUES ($1, $2, $3, $4, $5, 0.0800)', [orderId, l.productId, l.id, quantities[i], l.price]);
  }
  await c.query(
    `INSERT INTO payments (order_id, amount, currency_code, status, provider, provider_reference, response) VALUES ($1, $2, 'USD', 'authorized', 'stripe', $3, $4)`,
    [orderId, money(subtotal + shipping + tax), `ch_${name}`, JSON.stringify({ authorized: true, risk: { score: Math.floor(Math.random() * 100) } })],
  );
  await c.query(`INSERT INTO order_status_history (order_id, from_status, to_status, changed_by) VALUES ($1, NULL, 'pending', $2)`, [orderId, userId]);
  await c.query(`DELETE FROM cart_items WHERE cart_id IN (SELECT id FROM carts WHERE user_id = $1 AND status = 'open')`, [userId]);
  await c.query(`UPDATE carts SET status = 'converted', updated_at = now() WHERE user_id = $1 AND status = 'open'`, [userId]);
  await c.query(`INSERT INTO audit.events (occurred_at, event_type, user_id, source, payload) VALUES (now(), 'checkout_completed', $1, 'web', $2)`, [userId, JSON.stringify({ order_id: Number(orderId) })]);
}

async function capture(c: pg.Client, r: Ranges): Promise<void> {
  const order = await c.query<{ id: string }>(
    `UPDATE orders SET status = 'paid', updated_at = now()
     WHERE id = (SELECT id FROM orders WHERE status = 'pending' AND id >= $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id::text`,
    [randomId(r.maxOrderId)],
  );
  const id = order.rows[0]?.id;
  if (id === undefined) return;
  await c.query(`UPDATE payments SET status = 'captured', captured_at = now() WHERE order_id = $1 AND status IN ('pending', 'authorized')`, [id]);
  await c.query(`INSERT INTO order_status_history (order_id, from_status, to_status, note) VALUES ($1, 'pending', 'paid', 'payment captured')`, [id]);
}

async function register(c: pg.Client, names: Names): Promise<void> {
  const name = names.next();
  const user = await c.query<{ id: string }>(
    `INSERT INTO users (email, encrypted_password, first_name, last_name, confirmed_at) VALUES ($1, '$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', 'Zoë', 'Demo', now()) RETURNING id::text`,
    [`zoe.${name}@example.net`],
  );
  const id = user.rows[0]!.id;
  await c.query(`INSERT INTO user_profiles (user_id, display_name, locale, preferences) VALUES ($1, 'Zoë D.', 'fr-FR', '{"newsletter": true, "tags": ["démo", "🛒"]}')`, [id]);
  await c.query(`INSERT INTO carts (user_id, currency_code) VALUES ($1, 'USD')`, [id]);
  await c.query(`INSERT INTO sessions (user_id, token_digest, ip, user_agent, expires_at) VALUES ($1, decode(md5(random()::text), 'hex'), '203.0.113.9', 'dbsplit-demo/1.0', now() + interval '14 days')`, [id]);
}

async function cart(c: pg.Client, r: Ranges): Promise<void> {
  const userId = randomId(r.maxUserId);
  const open = await c.query<{ id: string }>(`SELECT id::text FROM carts WHERE user_id = $1 AND status = 'open' ORDER BY created_at DESC LIMIT 1`, [userId]);
  // Seeded ids may have gaps: a cart only for a user that exists.
  const cartId = open.rows[0]?.id ?? (await c.query<{ id: string }>(`INSERT INTO carts (user_id, currency_code) SELECT id, 'USD' FROM users WHERE id = $1 RETURNING id::text`, [userId])).rows[0]?.id;
  if (cartId === undefined) return;
  const v = pick(r.variants);
  await c.query(
    `INSERT INTO cart_items (cart_id, product_variant_id, quantity, unit_price) VALUES ($1, $2, 1, $3)
     ON CONFLICT (cart_id, product_variant_id) DO UPDATE SET quantity = least(cart_items.quantity + 1, 99)`,
    [cartId, v.id, v.price],
  );
  await c.query('UPDATE carts SET updated_at = now() WHERE id = $1', [cartId]);
}

async function signIn(c: pg.Client, r: Ranges): Promise<void> {
  const userId = randomId(r.maxUserId);
  const u = await c.query(`UPDATE users SET last_sign_in_at = now(), last_sign_in_ip = '198.51.100.7', sign_in_count = sign_in_count + 1 WHERE id = $1`, [userId]);
  if (u.rowCount === 0) return;
  await c.query(
    `INSERT INTO sessions (user_id, token_digest, ip, user_agent, data, expires_at) VALUES ($1, decode(md5(random()::text), 'hex'), '198.51.100.7', 'Mozilla/5.0 (X11; Linux x86_64)', '{"flash": null}', now() + interval '14 days')`,
    [userId],
  );
}

async function receiveStock(c: pg.Client, r: Ranges): Promise<void> {
  if (r.stock.length === 0) return;
  const s = pick(r.stock);
  const qty = 5 + Math.floor(Math.random() * 20);
  await c.query('UPDATE inventory_levels SET on_hand = on_hand + $3, updated_at = now() WHERE warehouse_id = $1 AND product_variant_id = $2', [s.warehouseId, s.variantId, qty]);
  await c.query(`INSERT INTO stock_movements (warehouse_id, product_variant_id, quantity, reason, reference) VALUES ($1, $2, $3, 'receipt', 'PO-DEMO')`, [s.warehouseId, s.variantId, qty]);
}

async function removeCartItem(c: pg.Client): Promise<void> {
  await c.query(`DELETE FROM cart_items WHERE id = (SELECT id FROM cart_items ORDER BY added_at DESC LIMIT 1 FOR UPDATE SKIP LOCKED)`);
}

async function expireSession(c: pg.Client): Promise<void> {
  await c.query(`DELETE FROM sessions WHERE id = (SELECT id FROM sessions ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED)`);
}

async function runOperation(c: pg.Client, op: LoadOperation, r: Ranges, names: Names): Promise<void> {
  switch (op) {
    case 'checkout':
      return checkout(c, r, names);
    case 'capture':
      return capture(c, r);
    case 'register':
      return register(c, names);
    case 'cart':
      return cart(c, r);
    case 'sign-in':
      return signIn(c, r);
    case 'receive-stock':
      return receiveStock(c, r);
    case 'remove-cart-item':
      return removeCartItem(c);
    case 'expire-session':
      return expireSession(c);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const clients = options.clients ?? 4;
  const durationMs = options.durationMs ?? 5000;
  const interval = 1000 / (options.ratePerClient ?? 40);
  const byOperation = Object.fromEntries(WEIGHTS.map(([op]) => [op, 0])) as Record<LoadOperation, number>;
  let conflicts = 0;
  const runTag = Math.random().toString(36).slice(2, 6);
  const first = await connect(options.url, { applicationName: 'dbsplit demo load' });
  let ranges: Ranges;
  try {
    ranges = await readRanges(first);
  } finally {
    await first.end();
  }
  const deadline = started + durationMs;
  const worker = async (n: number): Promise<void> => {
    const c = await connect(options.url, { applicationName: `dbsplit demo load ${n}` });
    const names = new Names(`D${runTag}${n}-`);
    try {
      let next = performance.now();
      while (performance.now() < deadline && !options.signal?.aborted) {
        const op = pickOperation();
        await c.query('BEGIN');
        try {
          await runOperation(c, op, ranges, names);
          await c.query('COMMIT');
          byOperation[op]++;
        } catch (e) {
          await c.query('ROLLBACK');
          if (!CONFLICT_CODES.has((e as { code?: string }).code ?? '')) throw e;
          conflicts++;
        }
        next += interval;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i + 1)));
  const transactions = Object.values(byOperation).reduce((a, b) => a + b, 0);
  return { transactions, byOperation, conflicts, ms: performance.now() - started };
}
