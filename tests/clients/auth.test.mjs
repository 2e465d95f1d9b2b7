// Identity on the socket with enigma.js 2.15.0 and ws against a real engine started with
// Qlik's switches ValidateJsonWebTokens=2 and JsonWebTokenSecret: a signed token in
// `Authorization: Bearer` opens the session; no token, an expired token or a token
// signed with another secret is refused with HTTP 401 before any socket exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import { startEngine, tempDataDir } from './engine.mjs';

const SECRET = 'a-secret-the-test-makes-for-its-engine-only-0123456789abcdef';
let engine;

before(async () => {
  engine = await startEngine(tempDataDir(), [
    '--validate-json-web-tokens', '2', '--json-web-token-secret', SECRET]);
});
after(async () => { await engine?.stop(); });

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(claims, secret = SECRET) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

function open(url, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return enigma.create({ schema, url, createSocket: (u) => new WebSocket(u, { headers }) });
}

/** The HTTP status the upgrade is answered with (101 when the socket opens). */
function upgradeStatus(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
    ws.on('error', (err) => { if (!err.message.includes('Unexpected server response')) reject(err); });
  });
}

test('a signed token opens the session; the engine answers', async () => {
  const session = open(`${engine.url}/app/engineData`, sign({ sub: 'jdoe', exp: now() + 60 }));
  const global = await session.open();
  const version = await global.engineVersion();
  assert.ok(version.qComponentVersion);
  const doc = await global.createSessionApp();
  assert.ok(await doc.getAppLayout());
  await session.close();
});

test('without a token enigma.js cannot open the session', async () => {
  const session = open(`${engine.url}/app/engineData`);
  await assert.rejects(session.open());
});

test('refusals are HTTP 401 answers to the upgrade', async () => {
  const url = `${engine.url}/app/engineData`;
  const bearer = (token) => ({ Authorization: `Bearer ${token}` });
  assert.equal(await upgradeStatus(url, {}), 401);
  assert.equal(await upgradeStatus(url, bearer(sign({ sub: 'jdoe', exp: now() - 60 }))), 401);
  assert.equal(await upgradeStatus(url, bearer(sign({ sub: 'jdoe' }, 'another secret'))), 401);
  assert.equal(await upgradeStatus(url, bearer(`${b64({ alg: 'none' })}.${b64({ sub: 'admin' })}.`)), 401);
  assert.equal(await upgradeStatus(url, bearer(sign({ sub: 'jdoe', exp: now() + 60 }))), 101);
});
