import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * HTTPS and mTLS with certificates made in the test (selfsigned: X.509 from node's WebCrypto;
 * node:crypto alone cannot issue certificates). EC P-256 keys: quick to make.
 */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

async function makeCa(name: string) {
  return selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: inDays(2),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
}

async function issue(ca: { private: string; cert: string }, name: string, use: 'server' | 'client') {
  return selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: inDays(2),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: use === 'server', clientAuth: use === 'client' },
      ...(use === 'server' ? [{ name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }] }] : []),
    ],
  });
}

function get(port: number, options: { ca: string; cert?: string; key?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', ...options, agent: false, timeout: 30_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

let api: ApiFixture | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function listen(fixture: ApiFixture) {
  await fixture.server.listen({ host: '127.0.0.1', port: 0 });
  return (fixture.server.server.address() as AddressInfo).port;
}

describe('the API over TLS', () => {
  it('serves HTTPS with the configured certificate, and nothing in plain HTTP', async () => {
    const ca = await makeCa('consortium test CA');
    const server = await issue(ca, 'node.orange.test', 'server');
    api = await startApiFixture({ tls: { cert: Buffer.from(server.cert), key: Buffer.from(server.private), requireClientCert: false } });
    const port = await listen(api);
    expect(await get(port, { ca: ca.cert })).toBe(200);
    // A client that does not trust the CA refuses the server.
    await expect(get(port, { ca: (await makeCa('another CA')).cert })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    const plain = await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.status, (error: unknown) => error);
    expect(plain).not.toBe(200);
  });

  it('with requireClientCert, the handshake refuses a client without a certificate from the CA (mTLS)', async () => {
    const ca = await makeCa('consortium test CA');
    const server = await issue(ca, 'node.orange.test', 'server');
    const client = await issue(ca, 'sfr-operator', 'client');
    const rogue = await issue(await makeCa('rogue CA'), 'sfr-operator', 'client');
    api = await startApiFixture({ tls: { cert: Buffer.from(server.cert), key: Buffer.from(server.private), ca: Buffer.from(ca.cert), requireClientCert: true } });
    const port = await listen(api);
    expect(await get(port, { ca: ca.cert, cert: client.cert, key: client.private })).toBe(200);
    await expect(get(port, { ca: ca.cert })).rejects.toThrow();
    await expect(get(port, { ca: ca.cert, cert: rogue.cert, key: rogue.private })).rejects.toThrow();
  });
});
