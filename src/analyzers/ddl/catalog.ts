import { SqlSyntaxError } from '../../errors.js';
import { formatTypeName } from '../pg-type-names.js';
import { firstWords, lineOf } from '../sql-parser.js';
import type { RangeVarNode } from './ast.js';
import { chooseName } from './pg-names.js';
import {
  objectKey,
  type RelationState,
  type Site,
  type TableState,
  type TypeState,
  type UnresolvedRef,
  type ViewState,
} from './state.js';

/** Where temporary tables go; PostgreSQL looks there first for unqualified names. */
export const TEMP_SCHEMA = 'pg_temp';

/** An error in the DDL, reported at the line of the statement that caused it. */
export function ddlError(site: Site, detail: string): SqlSyntaxError {
  return new SqlSyntaxError(site.file, lineOf(site.text, site.offset), detail, firstWords(site.statement));
}

/**
 * The objects defined so far, by schema-qualified name, and the session state that decides
 * where unqualified names go (the search path).
 */
export class DdlCatalog {
  readonly defaultPath: readonly string[];
  searchPath: readonly string[];
  readonly createdSchemas = new Set<string>();
  /** pg_class: tables, views, sequences, indexes, composite types share one namespace per schema. */
  readonly relations = new Map<string, RelationState>();
  /** pg_type entries other than relation row types: enums, domains. */
  readonly types = new Map<string, TypeState>();
  /** Constraint names per schema (PostgreSQL checks clashes schema-wide), counted: explicit names may repeat. */
  private readonly constraintNames = new Map<string, number>();

  constructor(defaultPath: readonly string[]) {
    this.defaultPath = defaultPath.length > 0 ? defaultPath : ['public'];
    this.searchPath = this.defaultPath;
  }

  /** The path unqualified names are looked up in (an empty path falls back to the default). */
  get effectivePath(): readonly string[] {
    return this.searchPath.length > 0 ? this.searchPath : this.defaultPath;
  }

  /** The schema a new object goes to. */
  creationSchema(explicit?: string): string {
    return explicit ?? this.effectivePath[0]!;
  }

  // ---------------------------------------------------------------- relations

  findRelation(schema: string, name: string): RelationState | undefined {
    return this.relations.get(objectKey(schema, name));
  }

  /** A relation by (possibly unqualified) name, as PostgreSQL resolves it on the search path. */
  lookup(rv: { readonly schemaname?: string; readonly relname: string }): RelationState | undefined {
    if (rv.schemaname) return this.findRelation(rv.schemaname, rv.relname);
    const temp = this.findRelation(TEMP_SCHEMA, rv.relname);
    if (temp) return temp;
    for (const schema of this.effectivePath) {
      const rel = this.findRelation(schema, rv.relname);
      if (rel) return rel;
    }
    return undefined;
  }

  /** A table or view reference; unknown names are kept (qualified by the search path) to resolve later. */
  reference(rv: RangeVarNode): TableState | ViewState | UnresolvedRef {
    const rel = this.lookup(rv);
    if (rel && (rel.kind === 'table' || rel.kind === 'view')) return rel;
    if (rv.schemaname) return { schema: rv.schemaname, name: rv.relname };
    // System catalogs are found on the implicit pg_catalog path.
    if (rv.relname.startsWith('pg_')) return { schema: 'pg_catalog', name: rv.relname };
    return { schema: this.creationSchema(), name: rv.relname, searchPath: this.effectivePath };
  }

  requireTable(rv: RangeVarNode, site: Site): TableState {
    const rel = this.lookup(rv);
    if (rel?.kind === 'table') return rel;
    const shown = rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname;
    throw ddlError(site, rel ? `"${shown}" is not a table` : `table "${shown}" does not exist (define it before this statement, or pass the files in order)`);
  }

  addRelation(rel: RelationState): void {
    this.relations.set(objectKey(rel.schema, rel.name), rel);
  }

  removeRelation(rel: RelationState): void {
    const key = objectKey(rel.schema, rel.name);
    if (this.relations.get(key) === rel) this.relations.delete(key);
  }

  renameRelation(rel: RelationState, schema: string, name: string): void {
    this.removeRelation(rel);
    rel.schema = schema;
    rel.name = name;
    this.addRelation(rel);
  }

  // ---------------------------------------------------------------- generated names

  addConstraintName(schema: string, name: string): void {
    const key = objectKey(schema, name);
    this.constraintNames.set(key, (this.constraintNames.get(key) ?? 0) + 1);
  }

  removeConstraintName(schema: string, name: string): void {
    const key = objectKey(schema, name);
    const n = this.constraintNames.get(key) ?? 0;
    if (n <= 1) this.constraintNames.delete(key);
    else this.constraintNames.set(key, n - 1);
  }

  constraintNameTaken(schema: string, name: string): boolean {
    return this.constraintNames.has(objectKey(schema, name));
  }

  /** ChooseRelationName(): for indexes and sequences; index-backed constraints also avoid constraint names. */
  chooseRelationName(schema: string, name1: string, name2: string | undefined, label: string, isConstraint: boolean): string {
    return chooseName(
      name1,
      name2,
      label,
      (n) => this.relations.has(objectKey(schema, n)) || (isConstraint && this.constraintNameTaken(schema, n)),
    );
  }

  /** ChooseConstraintName(): for check and foreign key constraints. */
  chooseConstraintName(schema: string, name1: string, name2: string | undefined, label: string): string {
    return chooseName(name1, name2, label, (n) => this.constraintNameTaken(schema, n));
  }

  // ---------------------------------------------------------------- types

  findType(schema: string, name: string): TypeState | undefined {
    const key = objectKey(schema, name);
    const t = this.types.get(key);
    if (t) return t;
    const rel = this.relations.get(key);
    return rel && (rel.kind === 'table' || rel.kind === 'view' || rel.kind === 'composite') ? rel : undefined;
  }

  lookupType(parts: readonly string[]): TypeState | undefined {
    const name = parts[parts.length - 1]!;
    if (parts.length > 1) return this.findType(parts[parts.length - 2]!, name);
    for (const schema of this.effectivePath) {
      const t = this.findType(schema, name);
      if (t) return t;
    }
    return undefined;
  }

  /** format_type() text of a TypeName node, resolving user types on the current search path. */
  formatType(typeName: unknown): string {
    return formatTypeName(typeName, { resolveSchema: (name) => this.lookupType([name])?.schema });
  }
}
