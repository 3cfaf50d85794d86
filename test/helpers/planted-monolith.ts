import type { SchemaModel } from '../../src/model/schema.js';
import type { Workload } from '../../src/model/workload.js';
import { col, fk, join, query, schemaOf, table, workloadOf } from './model.js';

/**
 * A small monolith with planted domains for the suggestion's unit tests: four domains, a hub
 * (`users`) referenced from all of them, a lookup used by one domain (`order_statuses`), two
 * reference lists used by several (`countries`, `currencies`), an unconnected table that shares
 * a domain's name (`product_import_jobs`), two unconnected tables that only share a name with
 * each other (`audit_entries`, `audit_exports`), and one sharing nothing (`feature_flags`).
 */
export const DOMAINS: Readonly<Record<string, readonly string[]>> = {
  identity: ['users', 'user_profiles', 'user_sessions', 'user_roles'],
  ordering: ['orders', 'order_items', 'order_status_history', 'order_statuses'],
  catalog: ['products', 'product_variants', 'product_images', 'product_reviews', 'categories', 'product_import_jobs'],
  payments: ['payments', 'refunds', 'payment_methods', 'payment_attempts'],
};

const attrs = (n: number) => Array.from({ length: n }, (_, i) => col(`attr_${i}`, 'text'));
const withId = (...cols: string[]) => [col('id'), ...cols.map((c) => col(c))];

export function plantedSchema(): SchemaModel {
  return schemaOf(
    [
      table('users', [...withId(), ...attrs(8)]),
      table('user_profiles', [...withId('user_id', 'country_id'), ...attrs(5)]),
      table('user_sessions', [...withId('user_id'), ...attrs(4)]),
      table('user_roles', [...withId('user_id'), ...attrs(2)]),
      table('orders', [...withId('user_id', 'status_id', 'shipping_country_id', 'currency_id'), ...attrs(5)]),
      table('order_items', [...withId('order_id', 'product_variant_id'), ...attrs(3)]),
      table('order_status_history', [...withId('order_id', 'status_id'), ...attrs(2)]),
      table('order_statuses', [col('id'), col('label', 'text')]),
      table('products', [...withId('category_id', 'origin_country_id', 'currency_id'), ...attrs(6)]),
      table('product_variants', [...withId('product_id'), ...attrs(4)]),
      table('product_images', [...withId('product_id'), ...attrs(2)]),
      table('product_reviews', [...withId('product_id', 'user_id'), ...attrs(3)]),
      table('categories', [...withId('parent_id'), ...attrs(3)]),
      table('product_import_jobs', [...withId(), ...attrs(4)]),
      table('payments', [...withId('order_id', 'user_id', 'payment_method_id', 'currency_id', 'billing_country_id'), ...attrs(4)]),
      table('refunds', [...withId('payment_id'), ...attrs(3)]),
      table('payment_methods', [...withId('user_id'), ...attrs(4)]),
      table('payment_attempts', [...withId('payment_id'), ...attrs(3)]),
      table('countries', [col('id'), col('code', 'text'), col('name', 'text')]),
      table('currencies', [col('id'), col('code', 'text'), col('symbol', 'text'), col('decimals')]),
      table('feature_flags', [...withId(), ...attrs(3)]),
      table('audit_entries', [...withId(), ...attrs(5)]),
      table('audit_exports', [...withId(), ...attrs(3)]),
    ],
    [
      fk('user_profiles', 'user_id', 'users'),
      fk('user_sessions', 'user_id', 'users'),
      fk('user_roles', 'user_id', 'users'),
      fk('orders', 'user_id', 'users'),
      fk('orders', 'status_id', 'order_statuses'),
      fk('order_items', 'order_id', 'orders'),
      fk('order_items', 'product_variant_id', 'product_variants'),
      fk('order_status_history', 'order_id', 'orders'),
      fk('order_status_history', 'status_id', 'order_statuses'),
      fk('products', 'category_id', 'categories'),
      fk('categories', 'parent_id', 'categories'),
      fk('product_variants', 'product_id', 'products'),
      fk('product_images', 'product_id', 'products'),
      fk('product_reviews', 'product_id', 'products'),
      fk('product_reviews', 'user_id', 'users'),
      fk('payments', 'order_id', 'orders'),
      fk('payments', 'user_id', 'users'),
      fk('payments', 'payment_method_id', 'payment_methods'),
      fk('refunds', 'payment_id', 'payments', 'id', true),
      fk('payment_methods', 'user_id', 'users'),
      fk('payment_attempts', 'payment_id', 'payments'),
      fk('user_profiles', 'country_id', 'countries'),
      fk('orders', 'shipping_country_id', 'countries'),
      fk('products', 'origin_country_id', 'countries'),
      fk('payments', 'billing_country_id', 'countries'),
      fk('orders', 'currency_id', 'currencies'),
      fk('products', 'currency_id', 'currencies'),
      fk('payments', 'currency_id', 'currencies'),
    ],
  );
}

export function plantedWorkload(): Workload {
  const writes = ['users', 'user_profiles', 'user_sessions', 'user_roles', 'orders', 'order_items', 'order_status_history', 'products', 'product_variants', 'product_images', 'product_reviews', 'categories', 'payments', 'refunds', 'payment_methods', 'payment_attempts', 'product_import_jobs', 'feature_flags', 'audit_entries', 'audit_exports'];
  return workloadOf(
    [
      query('orders-items', 12_400, { reads: ['orders', 'order_items'], joins: [join('order_items.order_id', 'orders.id')] }),
      query('orders-users', 3_000, { reads: ['orders', 'users'], joins: [join('orders.user_id', 'users.id')] }),
      query('orders-status', 900, { reads: ['orders', 'order_statuses'], joins: [join('orders.status_id', 'order_statuses.id')] }),
      query('items-variants', 2_000, { reads: ['order_items', 'product_variants'], joins: [join('order_items.product_variant_id', 'product_variants.id')] }),
      query('products-variants', 8_000, { reads: ['products', 'product_variants'], joins: [join('product_variants.product_id', 'products.id')] }),
      query('products-images', 5_000, { reads: ['products', 'product_images'], joins: [join('product_images.product_id', 'products.id')] }),
      query('reviews', 700, { reads: ['product_reviews', 'users'], joins: [join('product_reviews.user_id', 'users.id')] }),
      query('payments-refunds', 300, { reads: ['payments', 'refunds'], joins: [join('refunds.payment_id', 'payments.id')] }),
      query('payments-attempts', 600, { reads: ['payments', 'payment_attempts'], joins: [join('payment_attempts.payment_id', 'payments.id')] }),
      query('profiles', 4_000, { reads: ['users', 'user_profiles'], joins: [join('user_profiles.user_id', 'users.id')] }),
      query('sessions', 20_000, { reads: ['users', 'user_sessions'], joins: [join('user_sessions.user_id', 'users.id')] }),
      ...writes.map((t) => query(`write-${t}`, 100, { writes: [t] })),
    ],
    [
      { sessionId: 's1', txId: '1', queryIds: ['write-orders', 'write-order_items', 'write-order_status_history'], source: 'log' },
      { sessionId: 's1', txId: '2', queryIds: ['write-users', 'write-user_profiles'], source: 'log' },
      { sessionId: 's2', txId: '3', queryIds: ['write-payments', 'write-payment_attempts'], source: 'log' },
    ],
  );
}

export const key = (t: string) => `public.${t}`;
