import { describe, expect, it } from 'vitest';
import { suggestBoundaries, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { col, fk, join, query, schemaOf, table, workloadOf } from '../helpers/model.js';

const wide = (name: string, ...refs: string[]) => table(name, [col('id'), ...refs.map((r) => col(r)), ...Array.from({ length: 9 }, (_, i) => col(`attr_${i}`, 'text'))]);
const serviceOf = (s: Suggestion, t: string) => s.services.find((x) => x.tables.includes(`public.${t}`))?.name;
const reasonOf = (s: Suggestion, t: string) => s.services.flatMap((x) => x.placements).find((p) => p.table === `public.${t}`)?.reason;

/**
 * A hub with no table named after it (`accounts`), referenced by three small domains that
 * reference nothing else across, and two tables that hang off the hub alone.
 */
const schema = schemaOf(
  [
    wide('accounts'),
    wide('logins', 'account_id'),
    wide('api_tokens', 'account_id'),
    wide('invoices', 'account_id'),
    wide('invoice_lines', 'invoice_id'),
    wide('tax_rates'),
    wide('shipments', 'account_id'),
    wide('shipment_events', 'shipment_id'),
    wide('parcels', 'shipment_id'),
    wide('tickets', 'account_id'),
    wide('ticket_replies', 'ticket_id', 'account_id'),
    wide('ticket_tags', 'ticket_id'),
  ],
  [
    fk('logins', 'account_id', 'accounts'),
    fk('api_tokens', 'account_id', 'accounts'),
    fk('invoices', 'account_id', 'accounts'),
    fk('invoice_lines', 'invoice_id', 'invoices'),
    fk('invoice_lines', 'tax_rate_id', 'tax_rates'),
    fk('shipments', 'account_id', 'accounts'),
    fk('shipment_events', 'shipment_id', 'shipments'),
    fk('parcels', 'shipment_id', 'shipments'),
    fk('tickets', 'account_id', 'accounts'),
    fk('ticket_replies', 'ticket_id', 'tickets'),
    fk('ticket_replies', 'account_id', 'accounts'),
    fk('ticket_tags', 'ticket_id', 'tickets'),
  ],
);
const workload = workloadOf([
  // The hub is joined hot from everywhere: the join alone must not decide where things go.
  query('inv', 90_000, { joins: [join('invoices.account_id', 'accounts.id')] }),
  query('shp', 90_000, { joins: [join('shipments.account_id', 'accounts.id')] }),
  query('tkt', 90_000, { joins: [join('tickets.account_id', 'accounts.id')] }),
  query('lines', 50, { joins: [join('invoice_lines.invoice_id', 'invoices.id')] }),
  query('events', 50, { joins: [join('shipment_events.shipment_id', 'shipments.id')] }),
  ...['accounts', 'logins', 'api_tokens', 'invoices', 'invoice_lines', 'tax_rates', 'shipments', 'shipment_events', 'parcels', 'tickets', 'ticket_replies', 'ticket_tags'].map((t) => query(`w-${t}`, 10, { writes: [t] })),
]);

describe('hubs without a name of their own', () => {
  const s = suggestBoundaries(schema, workload);

  it('keeps the domains that point at the hub apart', () => {
    const domains = [
      ['invoices', 'invoice_lines', 'tax_rates'],
      ['shipments', 'shipment_events', 'parcels'],
      ['tickets', 'ticket_replies', 'ticket_tags'],
    ];
    for (const d of domains) expect(new Set(d.map((t) => serviceOf(s, t))).size, d.join(',')).toBe(1);
    expect(new Set(domains.map((d) => serviceOf(s, d[0]!))).size).toBe(3);
  });

  it('keeps the tables that depend only on the hub with it, and says why the hub is where it is', () => {
    expect(serviceOf(s, 'logins')).toBe(serviceOf(s, 'accounts'));
    expect(serviceOf(s, 'api_tokens')).toBe(serviceOf(s, 'accounts'));
    expect(serviceOf(s, 'accounts')).toBe('accounts');
    expect(s.services.find((x) => x.name === 'accounts')!.tables).toHaveLength(3);
    expect(reasonOf(s, 'accounts')).toMatch(/^hub referenced by 6 tables in \d clusters, tied to none by name, writes or its own foreign keys; kept with (logins|api_tokens)/);
  });
});
