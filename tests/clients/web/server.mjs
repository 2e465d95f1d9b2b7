// A tiny static server for the browser tests: the page under web/ and the packages'
// bundles under node_modules/, on a free loopback port (no CDN: the machines running
// the tests reach npm and Debian's packages only).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const clients = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roots = ['web', 'node_modules'];
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The file a request path names, or null when it lies outside web/ and node_modules/. */
function resolve(urlPath) {
  const rel = path.normalize(decodeURIComponent(urlPath)).replace(/^[/\\]+/, '');
  const file = path.join(clients, rel);
  const inside = roots.some((r) => file.startsWith(path.join(clients, r) + path.sep));
  return inside ? file : null;
}

/** Serve on 127.0.0.1 at a free port; resolves to { url, close }. */
export function startStatic() {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    const file = resolve(pathname === '/' ? '/web/index.html' : pathname);
    const stat = file && statSync(file, { throwIfNoEntry: false });
    if (!stat || !stat.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, {
      'content-type': types[path.extname(file)] || 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolveStart({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}
