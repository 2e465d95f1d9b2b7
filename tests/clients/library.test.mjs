// Master items and variables with enigma.js 2.15.0 against a real engine process, as a
// Qlik client uses them: a master measure and dimension used by a chart through
// qLibraryId, the measure changed and the chart told (its 'changed' event) and
// computed again; a variable read by a chart and changed through its GenericVariable;
// the library lists; everything back after DoSave in a new connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine } from './engine.mjs';

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

function open(url) {
  return enigma.create({ schema, url, createSocket: (u) => new WebSocket(u) });
}

// North: Bike 100, Lock 20; South: Bike 150; East: Helmet 40
const script = `Sales:
LOAD * INLINE [
Region, Product, Amount
North, Bike, 100
North, Lock, 20
South, Bike, 150
East, Helmet, 40
];
`;

const chartProps = (measure) => ({
  qInfo: { qType: 'table' },
  qHyperCubeDef: {
    qDimensions: [{ qLibraryId: 'dim-region', qDef: {} }],
    qMeasures: [measure],
    qInterColumnSortOrder: [0, 1],
    qInitialDataFetch: [{ qLeft: 0, qTop: 0, qWidth: 2, qHeight: 10 }],
  },
});

const rows = async (chart) => {
  const layout = await chart.getLayout();
  return Object.fromEntries(layout.qHyperCube.qDataPages[0].qMatrix
    .map((row) => [row[0].qText, row[1].qText]));
};

const changedOnce = (api) => new Promise((resolve) => { api.once('changed', resolve); });

test('a chart reads master items by qLibraryId and follows their changes', async () => {
  const session = open(`${engine.url}/app/engineData/identity/library-test`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.setScript(script);
  assert.equal(await doc.doReload(), true);

  const dimension = await doc.createDimension({
    qInfo: { qId: 'dim-region', qType: 'dimension' },
    qDim: { qFieldDefs: ['Region'], title: 'Region' },
    qMetaDef: { title: 'Region' },
  });
  const measure = await doc.createMeasure({
    qInfo: { qId: 'm-total', qType: 'measure' },
    qMeasure: { qLabel: 'Total', qDef: 'Sum(Amount)' },
    qMetaDef: { title: 'Total' },
  });
  assert.equal(dimension.id, 'dim-region');
  assert.equal((await dimension.getLayout()).qDimInfos[0].qCardinal, 3);

  const chart = await doc.createSessionObject(chartProps({ qLibraryId: 'm-total', qDef: {} }));
  const layout = await chart.getLayout();
  assert.equal(layout.qHyperCube.qMeasureInfo[0].qFallbackTitle, 'Total');
  assert.deepEqual(await rows(chart), { North: '120', South: '150', East: '40' });

  const told = changedOnce(chart);
  const props = await measure.getProperties();
  await measure.setProperties({ ...props, qMeasure: { ...props.qMeasure, qDef: 'Count(Product)' } });
  await told;
  assert.deepEqual(await rows(chart), { North: '2', South: '1', East: '1' });

  // the same measure object through getMeasure; a missing one is enigma's "not found"
  const again = await doc.getMeasure('m-total');
  assert.equal(again, measure);
  await assert.rejects(doc.getMeasure('nope'));

  // the master items listed as Sense's asset panel lists them
  const lists = await doc.createSessionObject({
    qInfo: { qType: 'lists' },
    qDimensionListDef: { qType: 'dimension', qData: { title: '/qMetaDef/title' } },
    qMeasureListDef: { qType: 'measure', qData: { title: '/qMetaDef/title', def: '/qMeasure/qDef' } },
  });
  const listed = await lists.getLayout();
  assert.deepEqual(listed.qDimensionList.qItems.map((i) => i.qData.title), ['Region']);
  assert.deepEqual(listed.qMeasureList.qItems.map((i) => i.qData),
    [{ title: 'Total', def: 'Count(Product)' }]);

  // destroyed: the chart's column reports the engine's 7001, the call does not fail
  const closed = new Promise((resolve) => { measure.once('closed', resolve); });
  assert.equal(await doc.destroyMeasure('m-total'), true);
  await closed;
  const broken = await chart.getLayout();
  assert.equal(broken.qHyperCube.qMeasureInfo[0].qError.qErrorCode, 7001);
  await session.close();
});

test('variables: read by charts, changed through GenericVariable, calculated ones follow selections', async () => {
  const session = open(`${engine.url}/app/engineData/identity/variable-test`);
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.setScript(script);
  assert.equal(await doc.doReload(), true);
  await doc.createDimension({ qInfo: { qId: 'dim-region', qType: 'dimension' }, qDim: { qFieldDefs: ['Region'] } });

  const scale = await doc.createVariableEx({ qInfo: { qType: 'variable' }, qName: 'vScale', qDefinition: '10' });
  const chart = await doc.createSessionObject(chartProps({ qDef: { qDef: 'Sum(Amount) / $(vScale)' } }));
  assert.deepEqual(await rows(chart), { North: '12', South: '15', East: '4' });
  const told = changedOnce(chart);
  await scale.setNumValue(2);
  await told;
  assert.deepEqual(await rows(chart), { North: '60', South: '75', East: '20' });
  assert.equal((await scale.getLayout()).qNum, 2);

  const total = await doc.createVariableEx({ qInfo: { qType: 'variable' }, qName: 'vTotal', qDefinition: '=Sum(Amount)' });
  assert.equal((await total.getLayout()).qText, '310');
  const byName = await doc.getVariableByName('vTotal');
  assert.equal(byName, total);
  const moved = changedOnce(total);
  await (await doc.getField('Region')).selectValues([{ qText: 'South' }]);
  await moved;
  assert.equal((await total.getLayout()).qNum, 150);

  await assert.rejects(doc.createVariableEx({ qName: 'vScale' }), (err) => err.code === 18001);
  const names = (await doc.getVariables({ qType: 'variable', qData: {} })).map((v) => v.qName);
  assert.deepEqual(names.filter((n) => n.startsWith('v')).sort(), ['vScale', 'vTotal']);
  await session.close();
});

test('master items and variables are saved with the app', async () => {
  const first = open(`${engine.url}/app/engineData/identity/save-library`);
  const global = await first.open();
  const created = await global.createApp('library-kept');
  const doc = await global.openDoc(created.qAppId);
  await doc.setScript(script);
  assert.equal(await doc.doReload(), true);
  await doc.createDimension({ qInfo: { qId: 'dim-region', qType: 'dimension' }, qDim: { qFieldDefs: ['Region'] } });
  await doc.createMeasure({ qInfo: { qId: 'm-max', qType: 'measure' }, qMeasure: { qDef: 'Max(Amount)' } });
  await doc.createVariableEx({ qInfo: { qType: 'variable' }, qName: 'vOffset', qDefinition: '1' });
  await doc.doSave();
  await first.close();

  const second = open(`${engine.url}/app/engineData/identity/save-library-2`);
  const global2 = await second.open();
  const doc2 = await global2.openDoc(created.qAppId);
  const chart = await doc2.createSessionObject(chartProps({ qLibraryId: 'm-max', qDef: {} }));
  assert.deepEqual(await rows(chart), { North: '100', South: '150', East: '40' });
  assert.equal(await doc2.evaluate('Max(Amount) + vOffset'), '151');
  await second.close();
});
