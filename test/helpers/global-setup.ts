import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';

/**
 * One real PostgreSQL for the whole run: the server named by DBSPLIT_TEST_PG_URL, or an
 * embedded one started here. Tests create their own databases on it (test/helpers/pg.ts).
 */
let server: EmbeddedServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DBSPLIT_TEST_PG_URL;
  if (!url) {
    server = await startEmbeddedPostgres();
    url = server.url('postgres');
  }
  project.provide('pgUrl', url);
  process.env.DBSPLIT_TEST_PG_URL = url;
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
