// enigma.js 2.15.0, used exactly as its users use it, against a real engine process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine, dataFolder, threeTableScript } from './engine.mjs';

let engine;

function open(url, headers = {}) {
  const session = enigma.create({
    schema,
    url,
    createSocket: (u) => new WebSocket(u, { headers }),
  });
  return session;
}

async function loadThreeTables(doc) {
  await doc.createConnection({ qName: 'data', qConnectionString: dataFolder, qType: 'folder' });
  await doc.setScript(threeTableScript);
  assert.equal(await doc.doReload(), true);
}

const cubeProps = {
  qInfo: { qType: 'sales-table' },
  qHyperCubeDef: {
    qDimensions: [{ qDef: { qFieldDefs: ['Region'], qSortCriterias: [{ qSortByAscii: 1 }] } }],
    qMeasures: [
      { qDef: { qDef: 'Sum(Amount)' } },
      { qDef: { qDef: 'Count(DISTINCT StoreID)' } },
    ],
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 3, qHeight: 20 }],
  },
};

const listProps = {
  qInfo: { qType: 'listbox' },
  qListObjectDef: {
    qDef: { qFieldDefs: ['Store'], qSortCriterias: [{ qSortByAscii: 1 }] },
    qShowAlternatives: true,
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 1, qHeight: 20 }],
  },
};

const rows = (page) => page.qMatrix.map((row) => row.map((c) => c.qText));

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

test('connect: OnConnected comes first, engine facts answer', async () => {
  const session = open(`${engine.url}/app/engineData`);
  const seen = [];
  session.on('notification:OnConnected', (p) => seen.push(p.qSessionState));
  const global = await session.open();
  const version = await global.engineVersion();
  // OnConnected is sent before any answer
  assert.deepEqual(seen, ['SESSION_CREATED']);
  assert.match(version.qComponentVersion, /^\d+\.\d+/);
  assert.equal(await global.isDesktopMode(), false);
  assert.match(await global.getUniqueID(), /^[0-9a-f-]{36}$/);
  await session.close();
});

test('session app: three tables, keys, list object, selection, hypercube, evaluate', async () => {
  const session = open(`${engine.url}/app/engineData/identity/session-app-test`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await loadThreeTables(doc);

  const { qtr, qk } = await doc.getTablesAndKeys({ qcx: 0, qcy: 0 }, { qcx: 0, qcy: 0 }, 0, false, false);
  assert.deepEqual(qtr.map((t) => [t.qName, t.qNoOfRows]), [['Regions', 3], ['Stores', 5], ['Sales', 7]]);
  assert.deepEqual(
    qk.map((k) => [k.qKeyFields[0], k.qTables]).sort(),
    [['RegionID', ['Regions', 'Stores']], ['StoreID', ['Stores', 'Sales']]],
  );
  const salesFields = qtr[2].qFields.map((f) => f.qName);
  assert.equal(salesFields[0], 'StoreID', 'key fields come first');

  const list = await doc.createSessionObject(listProps);
  let layout = await list.getLayout();
  assert.deepEqual(rows(layout.qListObject.qDataPages[0]), [['Alpha'], ['Beta'], ['Delta'], ['Epsilon'], ['Gamma']]);
  assert.ok(layout.qListObject.qDataPages[0].qMatrix.every(([c]) => c.qState === 'O'));

  const cube = await doc.createSessionObject(cubeProps);
  layout = await cube.getLayout();
  assert.deepEqual(rows(layout.qHyperCube.qDataPages[0]), [
    ['East', '325', '2'],
    ['North', '450', '2'],
    ['South', '120', '1'],
  ]);
  assert.equal(layout.qHyperCube.qGrandTotalRow[0].qText, '895');

  // select Region = North in a field: the list object and the cube follow
  let changed = 0;
  cube.on('changed', () => { changed += 1; });
  const region = await doc.getField('Region');
  assert.equal(await region.selectValues([{ qText: 'North' }], false, false), true);
  assert.ok(changed >= 1, 'the cube is told that its layout changed');

  layout = await list.getLayout();
  const states = Object.fromEntries(layout.qListObject.qDataPages[0].qMatrix.map(([c]) => [c.qText, c.qState]));
  assert.deepEqual(states, { Alpha: 'O', Beta: 'O', Delta: 'X', Epsilon: 'X', Gamma: 'X' });
  layout = await cube.getLayout();
  assert.deepEqual(rows(layout.qHyperCube.qDataPages[0]), [['North', '450', '2']]);
  assert.equal(layout.qHyperCube.qDimensionInfo[0].qStateCounts.qSelected, 1);

  // select a store through the list object: toggle mode adds, replace mode replaces
  const alpha = (await list.getListObjectData('/qListObjectDef', [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 10 }]))[0]
    .qMatrix.find(([c]) => c.qText === 'Alpha')[0].qElemNumber;
  assert.equal(await list.selectListObjectValues('/qListObjectDef', [alpha], false), true);
  assert.equal(await doc.evaluate('Sum(Amount)'), '250');
  const value = await doc.evaluateEx('Count(Month)');
  assert.deepEqual([value.qText, value.qIsNumeric, value.qNumber], ['2', true, 2]);

  // hypercube selection by element number, then clear everything
  await doc.clearAll();
  const data = await cube.getHyperCubeData('/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 3, qHeight: 10 }]);
  const south = data[0].qMatrix.find((r) => r[0].qText === 'South')[0].qElemNumber;
  assert.equal(await cube.selectHyperCubeValues('/qHyperCubeDef', 0, [south], false), true);
  assert.equal(await doc.evaluate('Sum(Amount)'), '120');
  await doc.clearAll();
  assert.equal(await doc.evaluate('Sum(Amount)'), '895');
  assert.equal(await region.getCardinal(), 3);
  await session.close();
});

test('a bad script: reload returns false with the line, the old data stays', async () => {
  const session = open(`${engine.url}/app/engineData/identity/bad-script`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await loadThreeTables(doc);
  await doc.setScript('T: LOAD * INLINE [\na\n1\n];\nLOAD nosuchfield RESIDENT T;');
  assert.equal(await doc.doReload(), false);
  const progress = await global.getProgress(0);
  assert.match(progress.qPersistentProgress, /line 5/);
  assert.equal(await doc.evaluate('Sum(Amount)'), '895');
  await assert.rejects(doc.getObject('nope'), (e) => e.code === -2);
  await session.close();
});

test('sessions: two sockets with one X-Qlik-Session share selections', async () => {
  const headers = { 'X-Qlik-Session': 'shared-session-test' };
  const first = open(`${engine.url}/app/engineData`, headers);
  const g1 = await first.open();
  const doc1 = await g1.createSessionApp();
  await loadThreeTables(doc1);
  const second = open(`${engine.url}/app/engineData`, headers);
  const attached = [];
  second.on('notification:OnConnected', (p) => attached.push(p.qSessionState));
  const g2 = await second.open();
  const doc2 = await g2.getActiveDoc();
  assert.deepEqual(attached, ['SESSION_ATTACHED']);
  await (await doc1.getField('Region')).selectValues([{ qText: 'East' }]);
  assert.equal(await doc2.evaluate('Sum(Amount)'), '325');
  await second.close();
  await first.close();
});

test('persistence: create, save, restart the engine, reopen the same app', async () => {
  let session = open(`${engine.url}/app/engineData/identity/persist`);
  let global = await session.open();
  const { qAppId } = await global.createApp('client-persist');
  let doc = await global.openDoc(qAppId);
  await loadThreeTables(doc);
  const obj = await doc.createObject({ ...cubeProps, qInfo: { qId: 'saved-cube', qType: 'sales-table' }, custom: { color: 'red' } });
  const before = await obj.getLayout();
  await doc.doSave();
  await session.close();

  const dataDir = engine.dataDir;
  await engine.stop();
  engine = await startEngine(dataDir);

  session = open(`${engine.url}/app/${encodeURIComponent(qAppId)}`);
  global = await session.open();
  const list = await global.getDocList();
  assert.ok(list.some((d) => d.qDocId === qAppId));
  doc = await global.openDoc(qAppId);
  assert.match(await doc.getScript(), /Sales:/);
  const again = await doc.getObject('saved-cube');
  const after = await again.getLayout();
  assert.deepEqual(after.qHyperCube.qDataPages, before.qHyperCube.qDataPages);
  assert.deepEqual(after.custom, { color: 'red' });
  assert.equal(await doc.evaluate('Count(DISTINCT Store)'), '5');
  const infos = await doc.getAllInfos();
  assert.ok(infos.some((i) => i.qId === 'saved-cube'));
  await session.close();
});

test('lists and children: a sheet list follows the sheets, charts are children', async () => {
  // as enigma.js's own integration test 'should create and list sheets' does it
  const session = open(`${engine.url}/app/engineData/identity/lists`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await loadThreeTables(doc);
  const sheetList = await doc.createSessionObject({
    qInfo: { qType: 'sheetList' },
    qAppObjectListDef: {
      qType: 'sheet',
      qData: { title: '/qMetaDef/title', description: '/qMetaDef/description', cells: '/cells', rank: '/rank' },
    },
  });
  assert.equal((await sheetList.getLayout()).qAppObjectList.qItems.length, 0);
  let changed = 0;
  sheetList.on('changed', () => { changed += 1; });
  const sheet = await doc.createObject({
    qInfo: { qType: 'sheet' },
    qMetaDef: { title: 'mySheetName', description: 'first' },
    rank: -1,
    columns: 24,
    rows: 12,
    cells: [],
    qChildListDef: { qData: { title: '/title' } },
  });
  assert.ok(changed >= 1, 'the sheet list is told that it changed');
  let items = (await sheetList.getLayout()).qAppObjectList.qItems;
  assert.deepEqual(items.map((i) => [i.qInfo.qId, i.qMeta.title, i.qData.description, i.qData.rank]),
    [[sheet.id, 'mySheetName', 'first', -1]]);

  // as Sense adds a chart: the child, and the sheet's cells in the same call
  const sheetProps = await sheet.getProperties();
  sheetProps.cells = [{ name: 'chart1' }];
  const chart = await sheet.createChild(
    { ...cubeProps, qInfo: { qId: 'chart1', qType: 'barchart' }, title: 'Sales by region' },
    sheetProps,
  );
  assert.equal(chart.id, 'chart1');
  assert.deepEqual(rows((await chart.getLayout()).qHyperCube.qDataPages[0])[0], ['East', '325', '2']);
  const sheetLayout = await sheet.getLayout();
  assert.deepEqual(sheetLayout.qChildList.qItems.map((i) => i.qData.title), ['Sales by region']);
  assert.deepEqual(sheetLayout.cells, [{ name: 'chart1' }]);
  assert.equal((await chart.getParent()).id, sheet.id);
  assert.deepEqual((await sheet.getChildInfos()).map((i) => i.qId), ['chart1']);
  const tree = await sheet.getFullPropertyTree();
  assert.equal(tree.qChildren[0].qProperty.title, 'Sales by region');
  items = (await sheetList.getLayout()).qAppObjectList.qItems;
  assert.deepEqual(items[0].qData.cells, [{ name: 'chart1' }]);

  const fields = await doc.createSessionObject({
    qInfo: { qType: 'FieldList' },
    qFieldListDef: { qShowSystem: true, qShowHidden: true, qShowSemantic: true, qShowSrcTables: true },
  });
  const all = (await fields.getLayout()).qFieldList.qItems;
  const user = all.filter((f) => f.qIsHidden !== true);
  assert.deepEqual(user.map((f) => f.qName), ['RegionID', 'Region', 'StoreID', 'Store', 'Month', 'Amount']);
  assert.deepEqual(all[0].qName, '$Field');

  let closed = false;
  chart.on('closed', () => { closed = true; });
  assert.equal(await doc.destroyObject(sheet.id), true);
  assert.ok(closed, 'destroying the sheet closes its chart');
  assert.equal((await sheetList.getLayout()).qAppObjectList.qItems.length, 0);
  await session.close();
});

test('load script: preceding loads, WHILE with IterNo, Pick and Rand in a session app', async () => {
  const session = open(`${engine.url}/app/engineData/identity/load-script`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.setScript([
    'Days:',
    "LOAD Id, Day, Pick(Day, 'one', 'two', 'three') as DayName, If(Rand() < 1, 'drawn', 'never') as Drawn;",
    'LOAD Id, IterNo() as Day WHILE IterNo() <= Id;',
    'LOAD RecNo() as Id AUTOGENERATE 3;',
  ].join('\n'));
  assert.equal(await doc.doReload(), true);

  const { qtr } = await doc.getTablesAndKeys({ qcx: 0, qcy: 0 }, { qcx: 0, qcy: 0 }, 0, false, false);
  assert.deepEqual(qtr.map((t) => [t.qName, t.qNoOfRows]), [['Days', 6]]);
  assert.deepEqual(qtr[0].qFields.map((f) => f.qName), ['Id', 'Day', 'DayName', 'Drawn']);

  const list = await doc.createSessionObject({
    qInfo: { qType: 'listbox' },
    qListObjectDef: {
      qDef: { qFieldDefs: ['DayName'], qSortCriterias: [{ qSortByLoadOrder: 1 }] },
      qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 1, qHeight: 10 }],
    },
  });
  const layout = await list.getLayout();
  assert.deepEqual(rows(layout.qListObject.qDataPages[0]), [['one'], ['two'], ['three']]);
  // Id 1 reads its record once, Id 2 twice, Id 3 three times
  assert.equal(await doc.evaluate('Count(Day)'), '6');
  assert.equal(await doc.evaluate('Sum(Day)'), '10');
  assert.equal(await (await doc.getField('Drawn')).getCardinal(), 1);
  await (await doc.getField('DayName')).selectValues([{ qText: 'three' }]);
  assert.equal(await doc.evaluate('Only(Id)'), '3');
  await doc.clearAll();
  await (await doc.getField('Id')).selectValues([{ qText: '3', qIsNumeric: true, qNumber: 3 }]);
  assert.equal(await doc.evaluate('Sum(Day)'), '6');
  await session.close();
});

test('global search: searchResults, then selectAssociations of the group picked', async () => {
  // as a search bar does: the typed words as terms, groups shown, the chosen qId selected
  const session = open(`${engine.url}/app/engineData/identity/global-search`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await loadThreeTables(doc);
  const list = await doc.createSessionObject(listProps);
  await list.getLayout();
  let changed = 0;
  list.on('changed', () => { changed += 1; });

  const options = { qSearchFields: [], qContext: 'CurrentSelections' };
  const terms = 'north jan'.split(' ');
  const page = {
    qOffset: 0,
    qCount: 10,
    qMaxNbrFieldMatches: 5,
    qGroupOptions: [{ qGroupType: 'DatasetType', qOffset: 0, qCount: -1 }],
    qGroupItemOptions: [{ qGroupItemType: 'Field', qOffset: 0, qCount: -1 }],
  };
  const result = await doc.searchResults(options, terms, page);
  assert.deepEqual(result.qSearchTerms, terms);
  assert.equal(result.qTotalNumberOfGroups, 3);
  const groups = result.qSearchGroupArray.map((g) => [
    g.qId, g.qSearchTermsMatched, g.qItems.map((i) => [i.qIdentifier, i.qItemMatches.map((m) => m.qText)]),
  ]);
  assert.deepEqual(groups, [
    [0, [0, 1], [['Region', ['North']], ['Month', ['Jan']]]],
    [1, [0], [['Region', ['North']]]],
    [2, [1], [['Month', ['Jan']]]],
  ]);
  assert.deepEqual(result.qSearchGroupArray[0].qItems[1].qItemMatches[0].qRanges,
    [{ qCharPos: 0, qCharCount: 3, qTerm: 1 }]);

  await doc.selectAssociations(options, terms, result.qSearchGroupArray[0].qId);
  assert.ok(changed > 0, 'the list object was told it changed');
  assert.equal(await doc.evaluate('Sum(Amount)'), '300');
  const layout = await list.getLayout();
  const storeStates = Object.fromEntries(
    layout.qListObject.qDataPages[0].qMatrix.map((row) => [row[0].qText, row[0].qState]),
  );
  assert.deepEqual(storeStates, { Alpha: 'O', Beta: 'O', Delta: 'X', Epsilon: 'X', Gamma: 'X' });

  // on top of these selections (CurrentSelections) only the North is possible
  const again = await doc.searchResults(options, ['south'], page);
  assert.equal(again.qTotalNumberOfGroups, 0);
  await session.close();
});
