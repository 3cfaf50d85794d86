import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { introspectUrl } from '../../src/db/introspect.js';
import { ConnectionError, type DbsplitError } from '../../src/errors.js';
import { serverUrl } from '../helpers/pg.js';

/** What the user sees of a failure: message, hint and the one-line form; none may hold the password. */
function shown(err: DbsplitError): string {
  return [err.message, err.hint ?? '', err.oneLine(), String(err)].join('\n');
}

async function failure(url: string): Promise<ConnectionError> {
  const err = await introspectUrl(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectionError);
  return err as ConnectionError;
}

describe('introspectUrl connection failures', () => {
  it('says the connection was refused, with the password masked', async () => {
    const password = 'Refused-Secret-' + Math.random().toString(36).slice(2, 8);
    const port = await freePort();
    const err = await failure(`postgres://app:${password}@127.0.0.1:${port}/monolith`);
    expect(err.code).toBe('E_CONNECTION');
    expect(err.message).toBe(`could not connect to postgres://app:***@127.0.0.1:${port}/monolith: connection refused`);
    expect(err.hint).toContain('port');
    expect(shown(err)).not.toContain(password);
  });

  it('says the password was rejected, without repeating it', async () => {
    const password = 'Wrong-Secret-' + Math.random().toString(36).slice(2, 8);
    const u = new URL(serverUrl());
    u.password = password;
    const err = await failure(u.toString());
    expect(err.code).toBe('E_CONNECTION');
    expect(err.message).toMatch(/^could not connect to postgres:\/\/[^:]+:\*\*\*@[^ ]+: password authentication failed for user/);
    expect(err.hint).toContain('password');
    expect(shown(err)).not.toContain(password);
  });
});
