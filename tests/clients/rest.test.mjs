// @qlik/api's REST modules (apps, items, users, csrf-token) against a real engine process
// that requires an API key (the administrator key given at start, ASSOCIA_API_KEY).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, getAppInfo, updateAppInfo, copyApp, deleteApp, exportApp, importApp,
  getAppDataMetadata, updateAppScript, getAppScriptHistory } from '@qlik/api/apps';
import { getItems, getItem } from '@qlik/api/items';
import { getMyUser } from '@qlik/api/users';
import { getCsrfToken } from '@qlik/api/csrf-token';
import { startEngineWithKey } from './engine.mjs';

const apiKey = 'rest-test-admin-key';
let engine;
let hostConfig;
let opts;

before(async () => {
  ({ engine, hostConfig, opts } = await startEngineWithKey(apiKey));
});
after(async () => { await engine?.stop(); });

test('@qlik/api apps: create, read, update, script, metadata, copy, delete', async () => {
  const made = await createApp({ attributes: { name: 'Sales', description: 'Numbers' } }, opts);
  assert.equal(made.status, 200);
  const appId = made.data.attributes.id;
  assert.equal(made.data.attributes.name, 'Sales');
  assert.ok(made.data.privileges.includes('delete'));

  const info = await getAppInfo(appId, opts);
  assert.equal(info.data.attributes.description, 'Numbers');
  const renamed = await updateAppInfo(appId, { attributes: { name: 'Revenue' } }, opts);
  assert.equal(renamed.data.attributes.name, 'Revenue');

  await updateAppScript(appId, { script: 'T: LOAD RecNo() AS N AutoGenerate 3;', versionMessage: 'first' }, opts);
  const history = await getAppScriptHistory(appId, {}, opts);
  assert.deepEqual(history.data.scripts.map((s) => s.versionMessage), ['first']);
  const meta = await getAppDataMetadata(appId, opts);
  assert.deepEqual(meta.data.tables, []); // not reloaded yet

  const copy = await copyApp(appId, { attributes: { name: 'Revenue copy' } }, opts);
  assert.equal(copy.data.attributes.originAppId, appId);
  const gone = await deleteApp(copy.data.attributes.id, opts);
  assert.equal(gone.status, 200);
  await assert.rejects(getAppInfo(copy.data.attributes.id, opts), (e) => e.status === 404
    && e.data.errors[0].code === 'HTTP-404');
});

test('@qlik/api items: every app listed, filtered and paged through next()', async () => {
  for (const name of ['Page A', 'Page B', 'Page C']) {
    await createApp({ attributes: { name } }, opts);
  }
  let page = await getItems({ resourceType: 'app', name: 'page', limit: 2 }, opts);
  const names = page.data.data.map((i) => i.name);
  assert.equal(typeof page.next, 'function');
  page = await page.next(opts);
  names.push(...page.data.data.map((i) => i.name));
  assert.deepEqual(names, ['Page A', 'Page B', 'Page C']);
  assert.equal(page.next, undefined);
  const one = await getItem(page.data.data[0].id, opts);
  assert.equal(one.data.resourceType, 'app');
  await assert.rejects(getItems({ limit: 500 }, opts), (e) => e.status === 400);
});

test('@qlik/api: export answers 201 with a Location; the file imports as a new app', async () => {
  const appId = (await createApp({ attributes: { name: 'Exported' } }, opts)).data.attributes.id;
  const exported = await exportApp(appId, {}, opts);
  let file;
  if (exported.status === 201) {
    const location = exported.headers.get('location');
    assert.match(location, /\/api\/v1\/temp-contents\//);
    const download = await fetch(location, { headers: { Authorization: `Bearer ${apiKey}` } });
    assert.equal(download.status, 200);
    file = new Uint8Array(await download.arrayBuffer());
  } else {
    assert.equal(exported.status, 200); // the client followed the Location itself
    file = new Uint8Array(await exported.data.arrayBuffer());
  }
  assert.deepEqual([...file.slice(0, 2)], [0x50, 0x4b]); // a zip
  const imported = await importApp({ name: 'Imported' }, new Blob([file]), opts);
  assert.equal(imported.data.attributes.name, 'Imported');
  assert.notEqual(imported.data.attributes.id, appId);
});

test('@qlik/api users/me and csrf-token; a wrong key is 401', async () => {
  const me = await getMyUser(opts);
  assert.equal(me.data.id, 'admin');
  assert.equal(me.data.assignedRoles[0].name, 'TenantAdmin');
  const csrf = await getCsrfToken(opts);
  assert.equal(csrf.status, 204);
  assert.match(csrf.headers.get('qlik-csrf-token'), /^[0-9a-f]{40}$/);
  const bad = { hostConfig: { ...hostConfig, apiKey: 'wrong' }, noCache: true };
  await assert.rejects(getMyUser(bad), (e) => e.status === 401
    && e.data.errors[0].code === 'HTTP-401');
});
