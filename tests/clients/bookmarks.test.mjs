// Bookmarks with enigma.js 2.15.0 against a real engine process: createBookmark,
// clearAll, applyBookmark, and the selections are back; a bookmark list follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine, dataFolder, threeTableScript } from './engine.mjs';

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

function open(url) {
  return enigma.create({ schema, url, createSocket: (u) => new WebSocket(u) });
}

const selected = async (doc, name, state = '$') => {
  const list = await doc.createSessionObject({
    qInfo: { qType: 'listbox' },
    qListObjectDef: {
      qStateName: state,
      qDef: { qFieldDefs: [name], qSortCriterias: [{ qSortByAscii: 1 }] },
      qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 1, qHeight: 50 }],
    },
  });
  const layout = await list.getLayout();
  await doc.destroySessionObject(layout.qInfo.qId);
  return layout.qListObject.qDataPages[0].qMatrix
    .filter((row) => row[0].qState === 'S' || row[0].qState === 'L')
    .map((row) => row[0].qText);
};

test('createBookmark, clearAll, applyBookmark: the selections of every state are back', async () => {
  const session = open(`${engine.url}/app/engineData/identity/bookmark-test`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.createConnection({ qName: 'data', qConnectionString: dataFolder, qType: 'folder' });
  await doc.setScript(threeTableScript);
  assert.equal(await doc.doReload(), true);
  await doc.addAlternateState('A');

  const region = await doc.getField('Region');
  const regionValues = (await selectedValues(doc, 'Region')).slice(0, 2);
  await region.selectValues(regionValues.map((t) => ({ qText: t })));
  const store = await doc.getField('Store', 'A');
  const storeValue = (await selectedValues(doc, 'Store'))[0];
  await store.selectValues([{ qText: storeValue }]);
  const before = [await selected(doc, 'Region'), await selected(doc, 'Store', 'A')];
  assert.deepEqual(before, [regionValues.slice().sort(), [storeValue]]);

  const listing = await doc.createSessionObject({
    qInfo: { qType: 'bookmark-list' },
    qBookmarkListDef: { qType: 'bookmark', qData: { title: '/qMetaDef/title' } },
  });
  let changed = 0;
  listing.on('changed', () => { changed += 1; });
  const bookmark = await doc.createBookmark({
    qInfo: { qType: 'bookmark' },
    qMetaDef: { title: 'two regions' },
  });
  assert.equal(bookmark.genericType, 'bookmark');
  const layout = await bookmark.getLayout();
  assert.deepEqual(layout.qBookmark.qStateData.map((s) => s.qStateName), ['$', 'A']);
  assert.deepEqual(layout.qFieldInfos.map((f) => [f.qFieldName, f.qValuesCount]), [['Region', 2]]);
  const items = (await listing.getLayout()).qBookmarkList.qItems;
  assert.deepEqual(items.map((i) => i.qData.title), ['two regions']);
  assert.ok(changed >= 1, 'the bookmark list was told it changed');

  await doc.clearAll(true);
  await doc.clearAll(true, 'A');
  assert.deepEqual([await selected(doc, 'Region'), await selected(doc, 'Store', 'A')], [[], []]);
  assert.equal(await doc.applyBookmark(layout.qInfo.qId), true);
  assert.deepEqual([await selected(doc, 'Region'), await selected(doc, 'Store', 'A')], before);

  const values = await bookmark.getFieldValues('Region', false, { qStartIndex: 0, qEndIndex: 10 });
  assert.deepEqual(values.map((v) => v.qText).sort(), regionValues.slice().sort());
  const again = await doc.getBookmark(layout.qInfo.qId);
  assert.equal(again, bookmark, 'the same API object');

  const tempId = await doc.storeTempSelectionState(60);
  assert.equal(typeof tempId, 'string');
  await doc.clearAll();
  assert.equal(await doc.restoreTempSelectionState(tempId), true);
  assert.deepEqual(await selected(doc, 'Region'), before[0]);

  // replaced by one region alone: the same title, the selection now
  await region.selectValues([{ qText: regionValues[0] }]);
  const replaced = await doc.replaceBookmark(layout.qInfo.qId);
  assert.equal(replaced, bookmark, 'the same API object');
  const replacedLayout = await bookmark.getLayout();
  assert.equal(replacedLayout.qMeta.title, 'two regions');
  assert.deepEqual(replacedLayout.qFieldInfos.map((f) => [f.qFieldName, f.qValuesCount]), [['Region', 1]]);
  await region.selectValues(regionValues.map((t) => ({ qText: t })));

  const tempBookmark = await doc.createTemporaryBookmark({ qIncludeVariables: true, qIncludeAllPatches: true });
  assert.equal(typeof tempBookmark, 'string');
  await doc.clearAll();
  assert.equal(await doc.applyTemporaryBookmark(tempBookmark), true);
  assert.deepEqual(await selected(doc, 'Region'), before[0]);
  assert.equal(await doc.applyTemporaryBookmark('no-such-id'), false);

  assert.equal(await doc.destroyBookmark(layout.qInfo.qId), true);
  assert.deepEqual((await listing.getLayout()).qBookmarkList.qItems, []);
  await session.close();
});

async function selectedValues(doc, name) {
  const list = await doc.createSessionObject({
    qInfo: { qType: 'listbox' },
    qListObjectDef: {
      qDef: { qFieldDefs: [name], qSortCriterias: [{ qSortByAscii: 1 }] },
      qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 1, qHeight: 50 }],
    },
  });
  const layout = await list.getLayout();
  await doc.destroySessionObject(layout.qInfo.qId);
  return layout.qListObject.qDataPages[0].qMatrix.map((row) => row[0].qText);
}
