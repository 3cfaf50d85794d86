/**
 * Passwords must never reach output, logs or reports. Everything that renders a connection
 * string goes through maskUrl; free text that may quote one (driver error messages, config
 * echoes) goes through redactSecrets.
 */

const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]+)@/gi;
const KEYWORD_PASSWORD = /\b(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi;

const knownSecrets = new Set<string>();

/** Remember a secret (a password read from config or env) so that it is masked wherever it appears. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) knownSecrets.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text.replace(URL_WITH_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
  out = out.replace(KEYWORD_PASSWORD, (_m, key: string) => `${key}***`);
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** A connection URL as it may be shown: the password replaced by ***. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) {
      registerSecret(decodeURIComponent(u.password));
      u.password = '***';
    }
    return u.toString();
  } catch {
    return redactSecrets(url);
  }
}
