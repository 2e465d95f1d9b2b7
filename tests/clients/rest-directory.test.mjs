// @qlik/api's users, spaces and api-keys REST modules against a real engine process started
// with an administrator API key: the administrator makes a user, a space with a member
// and a key; the key works as its maker and stops working once revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, getUsers, getUser, patchUser, deleteUser } from '@qlik/api/users';
import { createSpace, getSpaces, getSpace, createSpaceAssignment, getSpaceAssignments,
  deleteSpaceAssignment, deleteSpace } from '@qlik/api/spaces';
import { createApiKey, getApiKeys, deleteApiKey } from '@qlik/api/api-keys';
import { startEngine } from './engine.mjs';

const apiKey = 'rest-directory-admin-key';
let engine;
let opts;

before(async () => {
  process.env.ASSOCIA_API_KEY = apiKey;
  try {
    engine = await startEngine();
  } finally {
    delete process.env.ASSOCIA_API_KEY;
  }
  opts = { hostConfig: { host: `http://${engine.host}:${engine.port}`, authType: 'apikey', apiKey },
    noCache: true };
});
after(async () => { await engine?.stop(); });

test('@qlik/api users: create, read, patch, list, delete', async () => {
  const made = await createUser({ subject: 'carl', name: 'Carl', email: 'carl@corp' }, opts);
  assert.equal(made.status, 201);
  const id = made.data.id;
  await patchUser(id, [{ op: 'replace', path: '/name', value: 'Carla' }], opts);
  assert.equal((await getUser(id, {}, opts)).data.name, 'Carla');
  const listed = await getUsers({}, opts);
  assert.ok(listed.data.data.some((u) => u.subject === 'carl'));
  assert.equal((await deleteUser(id, opts)).status, 204);
  await assert.rejects(getUser(id, {}, opts), (e) => e.status === 404);
});

test('@qlik/api spaces: a shared space with a member', async () => {
  const space = await createSpace({ name: 'Finance', type: 'shared' }, opts);
  assert.equal(space.status, 201);
  const spaceId = space.data.id;
  assert.equal((await getSpace(spaceId, opts)).data.type, 'shared');
  const member = await createSpaceAssignment(spaceId,
    { type: 'user', assigneeId: 'carl', roles: ['consumer'] }, opts);
  assert.equal(member.status, 201);
  const members = await getSpaceAssignments(spaceId, {}, opts);
  assert.deepEqual(members.data.data.map((a) => a.roles), [['consumer']]);
  await assert.rejects(createSpaceAssignment(spaceId,
    { type: 'user', assigneeId: 'dan', roles: ['publisher'] }, opts), (e) => e.status === 400);
  await deleteSpaceAssignment(spaceId, member.data.id, opts);
  assert.deepEqual((await getSpaces({}, opts)).data.data.map((s) => s.name), ['Finance']);
  assert.equal((await deleteSpace(spaceId, opts)).status, 204);
});

test('@qlik/api api-keys: the token once, then revoked', async () => {
  const made = await createApiKey({ description: 'node', expiry: 'PT1H' }, opts);
  assert.equal(made.status, 201);
  const token = made.data.token;
  assert.match(token, /^associa_/);
  const listed = await getApiKeys({}, opts);
  assert.ok(listed.data.data.some((k) => k.id === made.data.id && k.token === undefined));
  const asKey = { hostConfig: { ...opts.hostConfig, apiKey: token }, noCache: true };
  assert.equal((await getSpaces({}, asKey)).status, 200);
  assert.equal((await deleteApiKey(made.data.id, opts)).status, 204);
  await assert.rejects(getSpaces({}, asKey), (e) => e.status === 401);
});
