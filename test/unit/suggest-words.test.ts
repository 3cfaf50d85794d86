import { describe, expect, it } from 'vitest';
import { pluralize, singularize, splitWords, tableWords } from '../../src/analyzers/suggest/words.js';

describe('table name words', () => {
  it('singularizes simple plurals and leaves singulars alone', () => {
    const cases: [string, string][] = [
      ['orders', 'order'],
      ['categories', 'category'],
      ['addresses', 'address'],
      ['statuses', 'status'],
      ['status', 'status'],
      ['address', 'address'],
      ['boxes', 'box'],
      ['batches', 'batch'],
      ['people', 'person'],
      ['analysis', 'analysis'],
      ['responses', 'response'],
      ['gas', 'gas'],
      ['menus', 'menu'],
      ['apis', 'api'],
      ['diagnoses', 'diagnosis'],
    ];
    for (const [plural, singular] of cases) expect(singularize(plural), plural).toBe(singular);
  });

  it('pluralizes service names', () => {
    expect(['order', 'category', 'address', 'status', 'person', 'day', 'box'].map(pluralize)).toEqual(['orders', 'categories', 'addresses', 'statuses', 'people', 'days', 'boxes']);
  });

  it('splits snake_case and camelCase, drops numbers', () => {
    expect(splitWords('order_status_history')).toEqual(['order', 'status', 'history']);
    expect(splitWords('OrderItems')).toEqual(['order', 'item']);
    expect(splitWords('userID')).toEqual(['user', 'id']);
    expect(splitWords('HTTPRequests')).toEqual(['http', 'request']);
    expect(splitWords('events_2024')).toEqual(['event']);
  });

  it('gives order, order_items and order_status_history the same stem, and drops role words', () => {
    const words = tableWords(new Map([['order', 'order'], ['order_items', 'order_items'], ['order_status_history', 'order_status_history'], ['payment_refunds', 'payment_refunds']]));
    expect(words.get('order')!.stem).toBe('order');
    expect(words.get('order_items')!.stem).toBe('order');
    expect(words.get('order_status_history')).toEqual({ stem: 'order', written: 'order', others: [] });
    expect(words.get('payment_refunds')).toEqual({ stem: 'payment', written: 'payment', others: ['refund'] });
  });

  it('detects naming prefixes and role words per schema', () => {
    const names = ['wp_posts', 'wp_post_meta', 'wp_users', 'wp_user_notes', 'wp_comments', 'wp_comment_notes', 'wp_order_notes', 'wp_tag_links'];
    const words = tableWords(new Map(names.map((n) => [n, n])));
    // `wp` starts every table: a prefix, not a subject.
    expect(words.get('wp_posts')!.stem).toBe('post');
    expect(words.get('wp_user_notes')!.stem).toBe('user');
    // `note` follows three different subjects: a role word, not evidence of a shared domain.
    expect(words.get('wp_user_notes')!.others).toEqual([]);
    // A storage prefix is skipped too; a first word is kept even when it is a role word elsewhere.
    const more = tableWords(new Map([['tbl_invoices', 'tbl_invoices'], ['status_codes', 'status_codes']]));
    expect(more.get('tbl_invoices')!.stem).toBe('invoice');
    expect(more.get('status_codes')!.stem).toBe('status');
  });
});

describe('table name words in a small schema', () => {
  it('does not mistake a common subject for a prefix', () => {
    const names = ['orders', 'order_items', 'order_notes', 'order_refunds', 'order_events', 'users', 'products'];
    const words = tableWords(new Map(names.map((n) => [n, n])));
    expect(words.get('order_items')!.stem).toBe('order');
    expect(words.get('order_refunds')).toEqual({ stem: 'order', written: 'order', others: ['refund'] });
    expect(words.get('orders')!.written).toBe('orders');
  });
});
