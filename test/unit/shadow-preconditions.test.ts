import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, preconditionError, type SourceFacts, type TargetFacts } from '../../src/sync/preconditions.js';
import { parseByteSize } from '../../src/sync/status.js';

/**
 * The verdict over facts read from the servers; the reading itself is tested on real servers
 * (test/integration/shadow-start-preconditions.test.ts). Here: the limits a shared test server
 * cannot be put in (every slot and wal sender taken, no replication-role privilege).
 */

const source: SourceFacts = {
  database: 'shop',
  user: 'app',
  serverVersionNum: 170000,
  walLevel: 'logical',
  maxReplicationSlots: 10,
  usedReplicationSlots: 2,
  maxWalSenders: 10,
  usedWalSenders: 1,
  superuser: false,
  replicationRole: true,
  createOnDatabase: true,
  slotExists: false,
  tables: [{ key: 'public.orders', exists: true, hasPrimaryKey: true, replicaIdentity: 'd', ownedByUser: true }],
};
const target: TargetFacts = { phase: 'provisioned', databaseExists: true, missingTables: [], missingColumns: [], hasForeignKeys: true, canSetReplicationRole: true, user: 'svc' };

describe('shadow start preconditions (verdict)', () => {
  it('passes a ready monolith and target', () => {
    expect(evaluatePreconditions('orders', source, target, { slotsNeeded: 1 })).toEqual([]);
  });

  it('counts free slots and wal senders against what the run needs', () => {
    const full = { ...source, usedReplicationSlots: 10, usedWalSenders: 10 };
    expect(evaluatePreconditions('orders', full, target, { slotsNeeded: 1 }).map((p) => p.check)).toEqual(['replication_slots', 'wal_senders']);
    // Nothing to create (slot exists, every table copied): no slot nor sender needed.
    expect(evaluatePreconditions('orders', full, target, { slotsNeeded: 0 })).toEqual([]);
  });

  it('needs session_replication_role on the target only when its tables reference each other', () => {
    const noRole = { ...target, canSetReplicationRole: false };
    const [p] = evaluatePreconditions('orders', source, noRole, { slotsNeeded: 1 });
    expect(p?.check).toBe('target_replication_role');
    expect(p?.fix).toContain('GRANT SET ON PARAMETER session_replication_role TO svc;');
    expect(evaluatePreconditions('orders', source, { ...noRole, hasForeignKeys: false }, { slotsNeeded: 1 })).toEqual([]);
  });

  it('treats REPLICA IDENTITY NOTHING like no key, and refuses a service whose reads moved', () => {
    const nothing = { ...source, tables: [{ ...source.tables[0]!, replicaIdentity: 'n' as const }] };
    const problems = evaluatePreconditions('orders', nothing, { ...target, phase: 'reads' }, { slotsNeeded: 1 });
    expect(problems.map((p) => p.check)).toEqual(['replica_identity', 'phase']);
    const e = preconditionError('orders', problems);
    expect(e.code).toBe('E_PRECONDITION');
    expect(e.message.split('\n')).toHaveLength(5);
  });

  it('reads WAL thresholds as PostgreSQL writes sizes', () => {
    expect([parseByteSize('1GB'), parseByteSize('512MB'), parseByteSize('64kB'), parseByteSize('1024'), parseByteSize('lots')]).toEqual([1024 ** 3, 512 * 1024 ** 2, 65536, 1024, undefined]);
  });
});
