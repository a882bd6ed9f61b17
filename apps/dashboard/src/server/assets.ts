import { existsSync } from 'node:fs';
import type { ClientAssets } from './http/server.js';

/**
 * The browser client's files. They come from `bundleClient()` of src/client/bundle.ts (the client
 * half of this package); a build without the client serves a page that says so and where the
 * data is, rather than failing to start (the API and the stream work without it).
 */

export const CLIENT_MISSING_ASSETS: ClientAssets = {
  html: '<!doctype html><html><head><meta charset="utf-8"><title>Consortium dashboard</title><link rel="stylesheet" href="/app.css"></head><body><h1>Consortium dashboard</h1><p>This build has no browser client (src/client/bundle.ts). The data is served at <code>/api/snapshot</code> and <code>/api/stream</code> with an observer token.</p><script src="/app.js"></script></body></html>',
  js: '',
  css: 'body { font-family: sans-serif; margin: 2rem; }',
};

export async function loadClientAssets(): Promise<ClientAssets> {
  for (const file of ['../client/bundle.ts', '../client/bundle.js']) {
    const url = new URL(file, import.meta.url);
    if (!existsSync(url)) continue;
    const bundle = (await import(url.href)) as { bundleClient?: () => Promise<ClientAssets> };
    if (typeof bundle.bundleClient === 'function') return bundle.bundleClient();
  }
  return CLIENT_MISSING_ASSETS;
}
