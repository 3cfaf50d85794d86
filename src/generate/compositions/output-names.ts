import type { AstNode } from '../../analyzers/sql-parser.js';
import { fieldStrings } from './sql-expr.js';

/** The output column name PostgreSQL gives an expression without an alias (FigureColname). */
export function figureColname(node: AstNode): string {
  return figure(node).name ?? '?column?';
}

function figure(node: AstNode): { name?: string; strength: number } {
  const key = Object.keys(node)[0];
  const body = (key === undefined ? {} : node[key]) as AstNode;
  switch (key) {
    case 'ColumnRef': {
      const fields = body.fields as AstNode[];
      const last = fields[fields.length - 1] as { String?: { sval?: string } };
      return last.String?.sval !== undefined ? { name: last.String.sval, strength: 2 } : { strength: 0 };
    }
    case 'A_Indirection': {
      const ind = body.indirection as AstNode[];
      const last = ind[ind.length - 1] as { String?: { sval?: string } };
      return last.String?.sval !== undefined ? { name: last.String.sval, strength: 2 } : figure(body.arg as AstNode);
    }
    case 'FuncCall': {
      const names = fieldStrings(body.funcname);
      return { name: names[names.length - 1]!, strength: 2 };
    }
    case 'TypeCast': {
      const inner = figure(body.arg as AstNode);
      if (inner.strength > 1) return inner;
      const names = fieldStrings((body.typeName as AstNode).names);
      return { name: names[names.length - 1]!, strength: 1 };
    }
    case 'CollateClause':
      return figure(body.arg as AstNode);
    case 'CaseExpr': {
      const inner = body.defresult ? figure(body.defresult as AstNode) : { strength: 0 };
      return inner.strength > 1 ? inner : { name: 'case', strength: 1 };
    }
    case 'A_ArrayExpr':
      return { name: 'array', strength: 2 };
    case 'RowExpr':
      return { name: 'row', strength: 2 };
    case 'CoalesceExpr':
      return { name: 'coalesce', strength: 2 };
    case 'MinMaxExpr':
      return { name: body.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
    case 'NullIfExpr':
      return { name: 'nullif', strength: 2 };
    case 'SQLValueFunction': {
      const names: Record<string, string> = {
        SVFOP_CURRENT_DATE: 'current_date', SVFOP_CURRENT_TIME: 'current_time', SVFOP_CURRENT_TIME_N: 'current_time',
        SVFOP_CURRENT_TIMESTAMP: 'current_timestamp', SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp', SVFOP_LOCALTIME: 'localtime',
        SVFOP_LOCALTIME_N: 'localtime', SVFOP_LOCALTIMESTAMP: 'localtimestamp', SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
        SVFOP_CURRENT_ROLE: 'current_role', SVFOP_CURRENT_USER: 'current_user', SVFOP_USER: 'user', SVFOP_SESSION_USER: 'session_user',
        SVFOP_CURRENT_CATALOG: 'current_catalog', SVFOP_CURRENT_SCHEMA: 'current_schema',
      };
      const name = names[body.op as string];
      return name ? { name, strength: 2 } : { strength: 0 };
    }
    default:
      return { strength: 0 };
  }
}
