import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * Regression found by `npm run fuzz` (tools/src/fuzz, target node-api): a path parameter longer
 * than fastify's maxParamLength (100 characters) was answered by fastify itself, before any hook:
 * 414 with `{ error: "Bad Request", code: "FST_ERR_MAX_PARAM_LENGTH" }`, not the node's error
 * shape, not counted as refused input and no security event. Now it is all three.
 */
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture();
});
afterAll(async () => {
  await api?.close();
});

describe('URLs fastify refuses before any route', () => {
  it('a path parameter over the length limit: 414 with the node\'s error shape, counted and a security event', async () => {
    const response = await api.server.inject({ url: `/v1/blocks/${'1'.repeat(101)}`, headers: { authorization: `Bearer ${api.tokens.grafana!}` } });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({ error: 'invalid_request', field: 'url', message: 'a path parameter is longer than any this node takes' });
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_api_invalid_requests_total\{route="unmatched",reason="bad_request"\} 1/);
    expect(page).toMatch(/consortium_security_invalid_messages_total\{kind="malformed"\} 1/);
    expect((await api.securityLogLines()).filter((line) => line.kind === 'invalid_request')).toHaveLength(1);
  });

  it('a parameter at the limit reaches its route (and its schema)', async () => {
    const response = await api.server.inject({ url: `/v1/blocks/${'1'.repeat(100)}`, headers: { authorization: `Bearer ${api.tokens.grafana!}` } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request', field: 'params.height' });
  });
});
