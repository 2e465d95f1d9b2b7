// @qlik/api's REST modules reloads and data-files with the QIX socket, against a real
// engine process that requires an API key: create an app, upload a data file, set a script
// that loads it over QIX, reload through REST, read the new data over QIX.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '@qlik/api/apps';
import { uploadDataFile, getDataFiles, getDataFile, deleteDataFile, getDataFilesQuotas } from '@qlik/api/data-files';
import { queueReload, getReload, getReloads, cancelReload } from '@qlik/api/reloads';
import { openAppSession } from '@qlik/api/qix';
import { startEngineWithKey } from './engine.mjs';

const apiKey = 'rest-reloads-admin-key';
let engine;
let hostConfig;
let opts;

before(async () => {
  ({ engine, hostConfig, opts } = await startEngineWithKey(apiKey));
});
after(async () => { await engine?.stop(); });

async function finished(reloadId) {
  for (let i = 0; i < 300; i += 1) {
    const got = await getReload(reloadId, opts);
    if (['SUCCEEDED', 'FAILED', 'CANCELED'].includes(got.data.status)) return got.data;
    await new Promise((r) => { setTimeout(r, 50); });
  }
  throw new Error(`reload ${reloadId} did not end`);
}

test('@qlik/api data-files + reloads: an uploaded file loaded by a REST reload, read over QIX', async () => {
  const csv = 'Region,Sales\nNorth,10\nSouth,20\nEast,5\n';
  const uploaded = await uploadDataFile({ File: new Blob([csv]), Json: { name: 'sales.csv' } }, opts);
  assert.equal(uploaded.status, 201);
  assert.equal(uploaded.data.name, 'sales.csv');
  assert.equal(uploaded.data.size, csv.length);
  const listed = await getDataFiles({}, opts);
  assert.deepEqual(listed.data.data.map((f) => f.name), ['sales.csv']);
  assert.equal((await getDataFile(uploaded.data.id, opts)).data.id, uploaded.data.id);
  assert.equal((await getDataFilesQuotas(opts)).data.size, csv.length);
  await assert.rejects(
    uploadDataFile({ File: new Blob(['x']), Json: { name: 'sales.csv' } }, opts),
    (e) => e.status === 409 && e.data.errors[0].code === 'HTTP-409',
  );

  const appId = (await createApp({ attributes: { name: 'From a data file' } }, opts)).data.attributes.id;
  const appSession = openAppSession({ appId, hostConfig });
  const doc = await appSession.getDoc();
  await doc.setScript("Sales: LOAD Region, Sales FROM [lib://DataFiles/sales.csv] (txt, embedded labels, delimiter is ',');");
  let changed = 0;
  doc.on('changed', () => { changed += 1; });
  assert.match(await doc.evaluate('Sum(Sales)'), /Field not found/); // not loaded yet

  const queued = await queueReload({ appId }, opts);
  assert.equal(queued.status, 201);
  assert.equal(queued.data.appId, appId);
  const done = await finished(queued.data.id);
  assert.equal(done.status, 'SUCCEEDED', done.errorMessage);
  assert.match(done.log, /Execution finished/);
  assert.equal(await doc.evaluate('Sum(Sales)'), '35');
  assert.equal(await doc.evaluate('Count(Region)'), '3');
  assert.ok(changed >= 1, 'the open session was told of the new data');

  const history = await getReloads({ appId, limit: 10 }, opts);
  assert.deepEqual(history.data.data.map((r) => r.id), [queued.data.id]);
  await assert.rejects(cancelReload(queued.data.id, opts), (e) => e.status === 409);
  await assert.rejects(queueReload({ appId: 'no-such-app' }, opts), (e) => e.status === 404);
  await appSession.close({ websocketCloseDelay: 0 });

  const removed = await deleteDataFile(uploaded.data.id, opts);
  assert.equal(removed.status, 204);
  assert.deepEqual((await getDataFiles({}, opts)).data.data, []);
});
