// Sessions as enigma.js users meet them: suspend/resume both ways, TTL expiry, session
// sharing (authentication off), session apps from a template, and the close codes a
// `ws` client sees (4202, 4204, 4205, 4230, and 1001 when the engine stops).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine } from './engine.mjs';

let engine;
const SCRIPT = 'Sales: LOAD * INLINE [\nRegion, Amount\nNorth, 100\nNorth, 20\nSouth, 150\nWest, 40\n];';

function open(url, headers = {}) {
  return enigma.create({ schema, url, createSocket: (u) => new WebSocket(u, { headers }) });
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** A saved app with data and one persisted object, made through the engine itself. */
async function savedApp(id) {
  const session = open(`${engine.url}/app/engineData`);
  const global = await session.open();
  await global.createApp(id);
  const doc = await global.openDoc(id);
  await doc.setScript(SCRIPT);
  assert.equal(await doc.doReload(), true);
  await doc.createObject({ qInfo: { qId: 'chart-1', qType: 'table' },
    qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ['Region'] } }],
      qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }] } });
  await doc.doSave();
  await session.close();
}

const total = async (doc) => (await doc.evaluate('Sum(Amount)'));

/** Open a raw socket; resolve with the close code and reason and what came before. */
function closeOf(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const seen = [];
    ws.on('message', (data) => seen.push(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), seen }));
    ws.on('error', reject);
  });
}

/** The first message of a raw socket (OnConnected), and the socket. */
function connectRaw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(data.toString()) }));
    ws.on('error', reject);
  });
}

before(async () => {
  engine = await startEngine();
  await savedApp('sessions-app');
});
after(async () => { await engine?.stop(); });

test('suspend then resume within the TTL re-attaches: same handles and selections', async () => {
  const session = open(`${engine.url}/app/sessions-app/ttl/30`);
  const states = [];
  session.on('notification:OnConnected', (p) => states.push(p.qSessionState));
  const global = await session.open();
  const doc = await global.openDoc('sessions-app');
  await (await doc.getField('Region')).select('North');
  const list = await doc.createSessionObject({ qInfo: { qType: 'lb' },
    qListObjectDef: { qDef: { qFieldDefs: ['Region'] } } });
  const chart = await doc.getObject('chart-1');
  const handles = [doc.handle, list.handle, chart.handle];
  await session.suspend();
  let closed = false;
  list.on('closed', () => { closed = true; });
  await session.resume(true); // rejects unless the session was re-attached
  assert.deepEqual(states, ['SESSION_CREATED', 'SESSION_ATTACHED']);
  assert.deepEqual([doc.handle, list.handle, chart.handle], handles);
  assert.equal(closed, false);
  assert.equal(await total(doc), '120'); // the selection survived
  const layout = await list.getLayout();
  assert.equal(layout.qListObject.qDimensionInfo.qFallbackTitle, 'Region');
  await session.close();
});

test('resume after the TTL: not attached, then the doc is reopened and objects re-created', async () => {
  const url = `${engine.url}/app/sessions-app/ttl/1`;
  const first = open(url);
  const doc = await (await first.open()).openDoc('sessions-app');
  await (await doc.getField('Region')).select('North');
  await first.suspend();
  await sleep(3000); // the TTL runs out; the engine ends the session
  await assert.rejects(first.resume(true), (err) => err.code === -12); // SESSION_NOT_ATTACHED
  const second = open(url);
  const global = await second.open();
  const doc2 = await global.openDoc('sessions-app');
  const chart = await doc2.getObject('chart-1');
  const list = await doc2.createSessionObject({ qInfo: { qType: 'lb' },
    qListObjectDef: { qDef: { qFieldDefs: ['Region'] } } });
  await second.suspend();
  await sleep(3000);
  const events = [];
  chart.on('changed', () => events.push('chart changed'));
  list.on('closed', () => events.push('list closed'));
  await second.resume(); // SESSION_CREATED: GetActiveDoc fails, OpenDoc is replayed
  assert.deepEqual(events.sort(), ['chart changed', 'list closed']);
  assert.equal(await total(doc2), '310'); // a new session: no selections
  const layout = await chart.getLayout(); // the persisted object has a new handle
  assert.equal(layout.qHyperCube.qSize.qcy, 3);
  await second.close();
});

test('a raw socket: re-attach within the TTL, a new session after it', async () => {
  const url = `${engine.url}/app/ttl-raw/ttl/1`;
  const a = await connectRaw(url);
  assert.equal(a.hello.params.qSessionState, 'SESSION_CREATED');
  a.ws.close();
  await sleep(200);
  const b = await connectRaw(url);
  assert.equal(b.hello.params.qSessionState, 'SESSION_ATTACHED');
  b.ws.close();
  await sleep(3000);
  const c = await connectRaw(url);
  assert.equal(c.hello.params.qSessionState, 'SESSION_CREATED');
  c.ws.close();
});

test('sharing with authentication off: same document shares, a new header does not', async () => {
  const a = open(`${engine.url}/app/sessions-app`);
  const b = open(`${engine.url}/app/sessions-app`);
  const c = open(`${engine.url}/app/sessions-app`, { 'X-Qlik-Session': 'a-new-one' });
  const states = [];
  b.on('notification:OnConnected', (p) => states.push(p.qSessionState));
  const docA = await (await a.open()).openDoc('sessions-app');
  const globalB = await b.open();
  await (await docA.getField('Region')).select('South');
  const docB = await globalB.getActiveDoc();
  assert.deepEqual(states, ['SESSION_ATTACHED']);
  assert.equal(await total(docB), '150'); // b sees a's selection
  const docC = await (await c.open()).openDoc('sessions-app');
  assert.equal(await total(docC), '310'); // c is a session of its own
  for (const s of [a, b, c]) await s.close();
});

test('a session app from a template: script and objects, data after a reload', async () => {
  const session = open(`${engine.url}/app/SessionApp_tpl1?from=sessions-app`);
  const global = await session.open();
  const doc = await global.getActiveDoc();
  assert.equal(await doc.getScript(), SCRIPT);
  const layout = await doc.getAppLayout();
  assert.equal(layout.qIsSessionApp, true);
  assert.equal(layout.qHasData, false);
  assert.equal(await doc.doReload(), true);
  const chart = await doc.getObject('chart-1');
  assert.equal((await chart.getLayout()).qHyperCube.qSize.qcy, 3);
  // CreateSessionAppFromApp does the same from the Global API
  const other = open(`${engine.url}/app/engineData`);
  const made = await (await other.open()).createSessionAppFromApp('sessions-app');
  assert.match(made.id, /^SessionApp_/);
  assert.equal(await made.getScript(), SCRIPT);
  await other.close();
  await session.close();
});

test('close codes seen by ws: 4202 malformed URL, 4204 missing template', async () => {
  assert.deepEqual(await closeOf(`${engine.url}/app/x/ttl/soon`),
    { code: 4202, reason: 'Malformed request', seen: [] });
  assert.deepEqual(await closeOf(`${engine.url}/app/SessionApp_t?from=no-such-app`),
    { code: 4204, reason: 'App not found or deleted', seen: [] });
});

test('close code 4204 pushed to every socket with the app open when it is deleted', async () => {
  await savedApp('doomed');
  const holders = [
    await connectRaw(`${engine.url}/app/doomed`, { 'X-Qlik-Session': 'd1' }),
    await connectRaw(`${engine.url}/app/doomed`, { 'X-Qlik-Session': 'd2' }),
  ];
  const codes = holders.map(({ ws }) => new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve([code, reason.toString()]));
  }));
  for (const { ws } of holders) {
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, handle: -1, method: 'OpenDoc', params: ['doomed'] }));
  }
  await sleep(500);
  const session = open(`${engine.url}/app/engineData`);
  assert.equal(await (await session.open()).deleteApp('doomed'), true);
  assert.deepEqual(await Promise.all(codes), [
    [4204, 'App not found or deleted'], [4204, 'App not found or deleted']]);
  await session.close();
});

test('limits: 4205 over MaxSessions, 4230 over MaxAppsInMemory, 1001 at a stop', async () => {
  await savedApp('second-app');
  const limited = await startEngine(engine.dataDir, ['-S', 'MaxSessions=2', '-S', 'MaxAppsInMemory=1']);
  try {
    const one = await connectRaw(`${limited.url}/app/sessions-app`);
    const two = await connectRaw(`${limited.url}/app/second-app`);
    assert.deepEqual(await closeOf(`${limited.url}/app/third`),
      { code: 4205, reason: 'Engine busy: too many requests', seen: [] });
    one.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, handle: -1, method: 'OpenDoc', params: ['sessions-app'] }));
    await sleep(500);
    const ended = new Promise((resolve) => {
      two.ws.on('message', (d) => { two.last = JSON.parse(d.toString()); });
      two.ws.on('close', (code, reason) => resolve([code, reason.toString()]));
    });
    two.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, handle: -1, method: 'OpenDoc', params: ['second-app'] }));
    assert.deepEqual(await ended, [4230, 'Too many open apps']);
    assert.equal(two.last.error.code, 19);
    const stopped = new Promise((resolve) => {
      one.ws.on('close', (code, reason) => resolve([code, reason.toString()]));
    });
    await limited.stop();
    assert.deepEqual(await stopped, [1001, 'Server shutting down']);
  } finally {
    await limited.stop();
  }
});
