// The probe of the consortium image: GET one URL (default the node's /health on loopback), exit 0
// on a 2xx answer within the deadline, 1 otherwise (the status and body on stderr). The image has
// no shell and no curl, so the container healthcheck, compose's and Kubernetes' exec probes run
// this with the image's node:
//
//   node /app/deploy/container/healthcheck.mjs [url]
//
// A probe runs inside the container and connects to loopback, where the node answers /health,
// /ready and /metrics without a token (apps/node: access `public`). Kubelet's httpGet probes come
// from outside the pod and would need the observer token, which a probe cannot read from a Secret.
//
// With an https URL, CONSORTIUM_PROBE_CA / CONSORTIUM_PROBE_CERT / CONSORTIUM_PROBE_KEY name PEM
// files: the CA of the node's certificate, and the client certificate and key when node.json says
// `http.tls.requireClientCert`.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const DEFAULT_URL = 'http://127.0.0.1:26700/health';
/** Below the probes' timeouts (compose 5 s, Kubernetes 5 s): the probe says why before it is killed. */
const DEADLINE_MS = 4_000;
/** Enough for /ready's list of failing checks; a longer body is cut. */
const BODY_BYTES_MAX = 4_096;

const url = new URL(process.argv[2] ?? process.env.CONSORTIUM_PROBE_URL ?? DEFAULT_URL);
const pem = (name) => (process.env[name] ? readFileSync(process.env[name]) : undefined);
const tls = url.protocol === 'https:' ? { ca: pem('CONSORTIUM_PROBE_CA'), cert: pem('CONSORTIUM_PROBE_CERT'), key: pem('CONSORTIUM_PROBE_KEY') } : {};

const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: DEADLINE_MS, ...tls }, (response) => {
  const chunks = [];
  let bytes = 0;
  response.on('data', (chunk) => {
    if (bytes < BODY_BYTES_MAX) chunks.push(chunk);
    bytes += chunk.length;
  });
  response.on('end', () => {
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) process.exit(0);
    console.error(`${url.href}: ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, BODY_BYTES_MAX)}`);
    process.exit(1);
  });
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${DEADLINE_MS} ms`)));
request.on('error', (error) => {
  console.error(`${url.href}: ${error.message}`);
  process.exit(1);
});
request.end();
