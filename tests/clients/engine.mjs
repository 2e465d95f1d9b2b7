// Starts a real associa engine process on a free loopback port for the client tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const dataFolder = path.join(here, 'data');
const engineBin = process.env.ASSOCIA_BIN || path.join(repoRoot, '.venv', 'bin', 'associa');

// the data folders made here go when the test file's process ends (node --test runs each
// file in a process of its own), after its engines have stopped
const madeDirs = [];
process.on('exit', () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'associa-client-'));
  madeDirs.push(dir);
  return dir;
}

/** Start `associa serve` (with `args`, e.g. ['-S', 'MaxSessions=2']) and resolve once it
 * prints the address it listens on. */
export function startEngine(dataDir = tempDataDir(), args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(engineBin, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine did not start:\n${out}\n${err}`));
    }, 30000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on ws:\/\/([\d.]+):(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          host: m[1],
          port: Number(m[2]),
          url: `ws://${m[1]}:${m[2]}`,
          dataDir,
          log: () => err,
          stop: () => stopEngine(child),
        });
      }
    });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Start an engine that requires an API key, `apiKey` being its administrator key
 * (ASSOCIA_API_KEY), and the @qlik/api options of a client that uses it. */
export async function startEngineWithKey(apiKey) {
  process.env.ASSOCIA_API_KEY = apiKey;
  let engine;
  try {
    engine = await startEngine();
  } finally {
    delete process.env.ASSOCIA_API_KEY;
  }
  const hostConfig = { host: `http://${engine.host}:${engine.port}`, authType: 'apikey', apiKey };
  return { engine, hostConfig, opts: { hostConfig, noCache: true } };
}

function stopEngine(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export const threeTableScript = `
// three tables associated through RegionID and StoreID
Regions:
LOAD RegionID, Region
FROM [lib://data/regions.csv] (txt, utf8, embedded labels, delimiter is ',', msq);

Stores:
LOAD StoreID, Store, RegionID
FROM [lib://data/stores.csv] (txt, utf8, embedded labels, delimiter is ',', msq);

Sales:
LOAD * INLINE [
StoreID, Month, Amount
10, Jan, 100
10, Feb, 150
11, Jan, 200
12, Jan, 50
12, Feb, 70
13, Mar, 300
14, Mar, 25
];
`;

// A session app of `engine` over enigma.js, opened as user `name`, reloaded with `script`
// (with the test data folder as connection 'data'): what a mashup does before it asks
// for objects. The caller closes `session`.
export async function openSessionApp(engine, name, script) {
  const session = enigma.create({
    schema,
    url: `${engine.url}/app/engineData/identity/${name}`,
    createSocket: (u) => new WebSocket(u),
  });
  const global = await session.open();
  const doc = await global.createSessionApp();
  await doc.createConnection({ qName: 'data', qConnectionString: dataFolder, qType: 'folder' });
  await doc.setScript(script);
  if (await doc.doReload() !== true) throw new Error(`the reload of ${name} failed`);
  return { session, doc };
}
