import type { ReferentialAction } from '../../model/schema.js';
import type { ReplacementKind } from '../../model/catalog.js';

/**
 * `<service>/references.json` (version 1): everything that crosses the service's boundary and
 * what replaces it. references.md renders the same data for people.
 */

export interface TableColumns {
  readonly service: string;
  /** `schema.table`. */
  readonly table: string;
  readonly columns: readonly string[];
}

export interface ForeignKeyReference {
  readonly constraint: string;
  /** True when no constraint exists in the monolith and dbsplit inferred the relation. */
  readonly inferred: boolean;
  readonly from: TableColumns;
  readonly to: TableColumns;
  /** What the monolith's constraint does on delete. */
  readonly monolithOnDelete: ReferentialAction;
  readonly replacement: Extract<ReplacementKind, 'loose-foreign-key' | 'plain-reference'>;
  readonly reason: string;
  /** The deletion event the owner publishes (loose foreign key), e.g. `identity.users deleted {id}`. */
  readonly event?: string;
  /** What the referencing side does on that event. */
  readonly onOwnerDelete?: 'delete' | 'nullify' | 'keep';
  /** One line: what this side of the reference has to do. */
  readonly action: string;
}

export type ColumnUse = 'key' | 'select' | 'filter' | 'join' | 'order';

export interface CopyReference {
  readonly kind: Extract<ReplacementKind, 'bounded-duplication' | 'cqrs-read-model'>;
  /** The service that keeps the copy. */
  readonly consumer: string;
  /** The service that owns the table. */
  readonly owner: string;
  readonly table: string;
  /** Columns the copy holds, in table order, with how the cross-boundary queries use each. */
  readonly columns: readonly { readonly name: string; readonly usedFor: readonly ColumnUse[] }[];
  /** The owner's change events that keep the copy fresh. */
  readonly events: readonly string[];
  readonly reasons: readonly string[];
  /** Query ids whose joins this copy replaces. */
  readonly queries: readonly string[];
}

export interface CompositionLink {
  readonly service: string;
  /** Relative to the output directory. */
  readonly path: string;
  readonly function: string;
  readonly composed: boolean;
  /** Why not, for a stub. */
  readonly reason?: string;
}

export interface JoinReference {
  /** `schema.table.column`. */
  readonly left: string;
  readonly right: string;
  readonly leftService: string;
  readonly rightService: string;
  readonly calls: number;
  readonly replacement: ReplacementKind;
  readonly reason: string;
  readonly queries: readonly { readonly id: string; readonly calls: number; readonly composition?: CompositionLink }[];
}

export interface SagaStep {
  readonly order: number;
  readonly service: string;
  readonly writes: readonly { readonly table: string; readonly operation: 'insert' | 'upsert' | 'update' | 'delete' | 'merge' }[];
  /** What undoes this step when a later one fails; undefined for the last step. */
  readonly compensation?: string;
}

export interface SagaReference {
  readonly id: string;
  readonly kind: 'statement' | 'transaction';
  readonly calls: number;
  readonly services: readonly string[];
  readonly tables: readonly string[];
  readonly sql?: string;
  readonly reason: string;
  readonly steps: readonly SagaStep[];
}

export interface SequenceReference {
  /** `schema.name`, or undefined for an identity column whose sequence the model does not list. */
  readonly sequence?: string;
  readonly table: string;
  readonly column: string;
  readonly type?: string;
  /** The monolith's current value when the schema was read live; null when unknown. */
  readonly monolithValue: string | null;
  readonly note: string;
}

export interface ServiceReferences {
  readonly version: 1;
  readonly service: string;
  readonly tables: readonly string[];
  readonly foreignKeys: { readonly outgoing: readonly ForeignKeyReference[]; readonly incoming: readonly ForeignKeyReference[] };
  readonly copies: { readonly kept: readonly CopyReference[]; readonly served: readonly CopyReference[] };
  readonly joins: readonly JoinReference[];
  readonly multiServiceWrites: readonly SagaReference[];
  readonly sequences: readonly SequenceReference[];
}
