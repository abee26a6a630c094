// The search surface as the browser reaches it: a filter built to exhaust the parser is a 400 with
// the column (it was a 500 "Maximum call stack size exceeded").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, seedFixtureRuns, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from './server';

let root: string;
let store: TrackingStore;
let server: UiServer;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-security-'));
  seedFixtureRuns(root);
  store = openStore({ root });
  server = await startUiServer({ store, port: 0 });
});
afterAll(async () => {
  await server.close();
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

it('answers a 2,500-deep filter with 400 and the column, not 500', async () => {
  const filter = `${'('.repeat(2500)}status = 'FINISHED'${')'.repeat(2500)}`;
  const res = await fetch(new URL(`/api/runs?filter=${encodeURIComponent(filter)}`, server.url));
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({
    error:
      'filter: nesting is deeper than 100 levels of parentheses and NOT; flatten the filter at column 101',
    code: 'INVALID_FILTER',
    column: 101,
  });
});
