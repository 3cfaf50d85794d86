import type { ColumnRef, ForeignKey, SchemaModel, Table } from './schema.js';
import type { QueryShape } from './workload.js';

/**
 * The coupling catalog `dbsplit analyze` produces: the schema and workload folded into what a
 * team needs to see before splitting. `report/json.ts` renders it as the versioned JSON contract.
 */

export interface JoinEdge {
  readonly left: ColumnRef;
  readonly right: ColumnRef;
  /** Sum of calls of the queries that use this predicate. */
  readonly calls: number;
  readonly queryIds: readonly string[];
}

export interface HubTable {
  readonly table: string;
  /** Foreign keys (declared and inferred) that point at it. */
  readonly referencedBy: number;
  /** Distinct tables that reference it. */
  readonly referencingTables: number;
}

/** The ways dbsplit knows to replace a cross-boundary foreign key, join or write. */
export type ReplacementKind =
  | 'loose-foreign-key'
  | 'plain-reference'
  | 'api-composition'
  | 'cqrs-read-model'
  | 'bounded-duplication'
  | 'saga';

export interface Recommendation {
  readonly kind: ReplacementKind;
  /** One line: why this replacement, from the evidence. */
  readonly reason: string;
  /** For a loose foreign key: what the referencing side does when the owner publishes a deletion. */
  readonly onOwnerDelete?: 'delete' | 'nullify' | 'keep';
  /** For a CQRS read model or duplication: the service that keeps a copy, and of which table. */
  readonly consumer?: string;
  readonly copiedTable?: string;
}

export interface CrossBoundaryForeignKey {
  readonly foreignKey: ForeignKey;
  readonly fromService: string;
  readonly toService: string;
  readonly recommendation: Recommendation;
}

export interface CrossBoundaryJoin {
  readonly join: JoinEdge;
  readonly leftService: string;
  readonly rightService: string;
  readonly recommendation: Recommendation;
}

export interface MultiServiceWrite {
  /** A query id, or `tx:<session>:<txid>` for a logged transaction. */
  readonly id: string;
  readonly kind: 'statement' | 'transaction';
  readonly services: readonly string[];
  readonly tables: readonly string[];
  readonly calls: number;
  readonly sql?: string;
  readonly recommendation: Recommendation;
}

export interface ServiceCoupling {
  readonly a: string;
  readonly b: string;
  readonly foreignKeys: number;
  readonly joins: number;
  readonly joinCalls: number;
  readonly multiServiceWrites: number;
  /** A single comparable number; see analyzers/coupling.ts for the weights. */
  readonly score: number;
}

export interface CrossBoundaryCatalog {
  readonly services: readonly { readonly name: string; readonly tables: readonly string[] }[];
  readonly foreignKeys: readonly CrossBoundaryForeignKey[];
  readonly joins: readonly CrossBoundaryJoin[];
  readonly multiServiceWrites: readonly MultiServiceWrite[];
  /** Tables that no service owns and that are not listed as shared or unassigned. */
  readonly unowned: readonly string[];
  readonly shared: readonly string[];
  readonly unassigned: readonly string[];
  readonly coupling: readonly ServiceCoupling[];
}

export interface Catalog {
  readonly schema: SchemaModel;
  readonly tables: readonly Table[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly queries: readonly QueryShape[];
  readonly joins: readonly JoinEdge[];
  readonly hubs: readonly HubTable[];
  readonly tablesWithoutPrimaryKey: readonly string[];
  readonly unparsed: readonly QueryShape[];
  readonly crossBoundary?: CrossBoundaryCatalog;
}
