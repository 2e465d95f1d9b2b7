// The Global methods enigma.js's own integration tests call (global.spec.js, described in
// reference/ecosystem.md §1.1), through enigma.js 2.15.0 against a real engine process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine } from './engine.mjs';

let engine;

before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

function open() {
  return enigma.create({
    schema,
    url: `${engine.url}/app/engineData`,
    createSocket: (u) => new WebSocket(u),
  });
}

test('global methods answer with the shapes enigma.js expects', async () => {
  const session = open();
  const global = await session.open();
  assert.equal(await global.allowCreateApp(), true);
  assert.deepEqual(await global.configureReload(false, false, false), {});
  for (const name of ['OSName', 'OSVersion', 'ProductVersion', 'QTProduct', 'QvVersion']) {
    const value = await global[name.charAt(0).toLowerCase() + name.slice(1)]();
    assert.equal(typeof value, 'string', name);
  }
  assert.equal(typeof (await global.isDesktopMode()), 'boolean');
  assert.equal(typeof (await global.isPersonalMode()), 'boolean');
  assert.ok(Array.isArray(await global.getDocList()));
  assert.ok(Array.isArray(await global.getCustomConnectors()));
  const pages = await global.getSupportedCodePages();
  assert.ok(pages.some((p) => p.qNumber === 65001));
  assert.equal(typeof (await global.reloadExtensionList()), 'object');
  await global.abortAll();
  await global.abortRequest(0);
  await global.cancelReload();
  await global.cancelRequest(0);
  assert.deepEqual(await global.getStreamList(), []);
  assert.equal(await global.getAuthenticatedUser(), 'UserDirectory=associa; UserId=anonymous');
  await session.close();
});

test('the grammar for script editors: GetBNF(0) and GetBaseBNF', async () => {
  const session = open();
  const global = await session.open();
  const defs = await global.getBNF(0);
  assert.ok(Array.isArray(defs) && defs.length > 100);
  const statements = defs.filter((d) => d.qScriptStatement).map((d) => d.qStr);
  assert.ok(statements.includes('LOAD') && statements.includes('STORE'));
  const base = await global.getBaseBNF('E');
  const aggregations = base.qBnfDefs.filter((d) => d.qAggrFunc).map((d) => d.qName);
  assert.ok(aggregations.includes('Sum') && aggregations.includes('Count'));
  assert.equal(await global.getBaseBNFHash('E'), base.qBnfHash);
  await session.close();
});

test('ShutdownProcess stops the engine (development mode: the user administers it)', async () => {
  const own = await startEngine();
  const session = enigma.create({
    schema, url: `${own.url}/app/engineData`, createSocket: (u) => new WebSocket(u),
  });
  const global = await session.open();
  await global.shutdownProcess();
  await session.close().catch(() => {});
  const refused = async () => {
    for (let i = 0; i < 50; i += 1) {
      const up = await new Promise((resolve) => {
        const ws = new WebSocket(`${own.url}/app/engineData`);
        ws.on('open', () => { ws.close(); resolve(true); });
        ws.on('error', () => resolve(false));
      });
      if (!up) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  assert.equal(await refused(), true, 'the engine still accepts connections');
  await own.stop();
});
