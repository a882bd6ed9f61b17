import { describe, expect, it } from 'vitest';
import { CLIENT_SCRIPT_PATH, CLIENT_STYLE_PATH, bundleClient, clientEntryPath } from '../../src/client/bundle.js';

describe('bundleClient', () => {
  it('bundles the client in memory once per process: a shell page, one script, one stylesheet', async () => {
    const [first, concurrent] = await Promise.all([bundleClient(), bundleClient()]);
    expect(concurrent).toBe(first);
    expect(await bundleClient()).toBe(first);

    expect(first.html).toContain(`src="${CLIENT_SCRIPT_PATH}"`);
    expect(first.html).toContain(`href="${CLIENT_STYLE_PATH}"`);
    expect(first.html).toContain('id="app"');
    // Minified (our function names are mangled), and the libraries are inside. Booleans, so a
    // failure does not print half a megabyte of script.
    expect(first.js.includes('function applyMessage')).toBe(false);
    expect(first.js.includes('u-legend')).toBe(true);
    expect(first.js.includes('Cytoscape')).toBe(true);
    // uPlot's stylesheet and ours.
    expect(first.css.includes('.u-legend')).toBe(true);
    expect(first.css.includes('.topology-graph')).toBe(true);
    expect(first.js.length).toBeLessThan(1_500_000);
  });

  it('finds its entry beside itself when run from source', () => {
    expect(clientEntryPath()).toMatch(/src\/client\/main\.ts$/);
  });
});
