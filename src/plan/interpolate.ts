import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';

/**
 * `${NAME}` and `${NAME:-fallback}` in plan values, so no secret has to sit in the file. Every
 * interpolated value is registered as a secret-bearing string: a password inside it is masked
 * wherever it would be printed.
 */
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, file: string, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const out = value.replace(PATTERN, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError('E_CONFIG_INVALID', `${file}: ${path.join('.') || '(root)'}: environment variable ${name} is not set`, `export ${name}=..., or write \${${name}:-default}`);
    });
    registerUrlPassword(out);
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, file, [...path, k]);
    return out;
  }
  return value;
}

function registerUrlPassword(s: string): void {
  try {
    const u = new URL(s);
    if (u.password) registerSecret(decodeURIComponent(u.password));
  } catch {
    // not a URL
  }
}
