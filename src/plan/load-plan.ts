import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError, FileError } from '../errors.js';
import { interpolateEnv } from './interpolate.js';
import { planFileSchema, type PlanFile } from './plan-file.js';

/** Read, interpolate and validate a plan file. Every problem is reported with the key it concerns. */
export async function loadPlanFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new FileError('E_FILE_NOT_FOUND', path, `plan file not found: ${path}`, 'run dbsplit init to write a starter dbsplit.yaml, or pass --plan with the right path');
    throw new FileError('E_FILE_UNREADABLE', path, `cannot read plan file ${path}: ${(e as Error).message}`);
  }
  return parsePlanText(text, path, env);
}

export function parsePlanText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): PlanFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new ConfigError('E_CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`, 'fix the YAML syntax at that line');
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('E_CONFIG_INVALID', `${file}: expected a mapping with version and services`, 'run dbsplit init for a commented example');
  }
  const result = planFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.') || '(top level)';
      return `${key}: ${issue.message}`;
    });
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).join('; ')})` : '';
    throw new ConfigError('E_CONFIG_INVALID', `${file}: ${problems[0]}${more}`, 'see dbsplit init for the expected format');
  }
  // Interpolate after validation of the shape, so a missing variable is reported with its key.
  return interpolateEnv(result.data, env, file) as PlanFile;
}
