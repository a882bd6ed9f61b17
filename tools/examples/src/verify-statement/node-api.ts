import { READ_LIMIT_MAX } from '@consortium/settlement';
import { NodeAnswerError, NodeUnreachableError, PublicViewError } from './errors.js';
import { agreementsFromAnswer, batchFromAnswer, isPublicStatementView, keyEpochsFromAnswer, recordsFromAnswer, statementFromAnswer, type AgreementFacts, type BatchFacts, type BatchRecords, type KeyEpochPins, type StatementFacts } from './views.js';

/**
 * The node's settlement API, the five reads verify-statement needs (GET, bearer token). Errors
 * say what to do: NodeUnreachableError, NodeAnswerError (with the API's error class), and
 * UnexpectedAnswerError from the parsers in views.ts.
 */

export interface NodeApiOptions {
  /** The node's API URL, e.g. http://127.0.0.1:26700 (apiUrl in .devnet/endpoints.json). */
  readonly url: string;
  readonly token: string;
  /** Per request; the answers are small and a node answers reads in milliseconds. */
  readonly timeoutMs: number;
}

/** Bound on an answer's size: a statement with its proof is a few KiB, a batch's records at most 4,096 records of ~250 bytes. */
const ANSWER_MAX_BYTES = 8 * 1024 * 1024;

export class NodeApi {
  constructor(private readonly options: NodeApiOptions) {}

  async statement(id: string): Promise<StatementFacts> {
    const route = `GET /v1/statements/${id}`;
    const answer = await this.get(route, `/v1/statements/${encodeURIComponent(id)}`);
    if (isPublicStatementView(answer)) throw new PublicViewError(id);
    return statementFromAnswer(route, answer);
  }

  async batch(id: string): Promise<BatchFacts> {
    const route = `GET /v1/batches/${id}`;
    return batchFromAnswer(route, await this.get(route, `/v1/batches/${encodeURIComponent(id)}`));
  }

  async keyEpochs(): Promise<KeyEpochPins[]> {
    const route = 'GET /v1/key-epochs';
    return keyEpochsFromAnswer(route, await this.get(route, '/v1/key-epochs'));
  }

  /** The agreements `member` is a party to (the API's largest page: a pair registers few). */
  async agreements(member: string): Promise<AgreementFacts[]> {
    const route = `GET /v1/agreements?member=${member}`;
    return agreementsFromAnswer(route, await this.get(route, `/v1/agreements?member=${encodeURIComponent(member)}&limit=${READ_LIMIT_MAX}`));
  }

  /** The batch's raw records as `member` holds them (its creditor or debtor). */
  async records(member: string, batchId: string): Promise<BatchRecords> {
    const route = `GET /v1/members/${member}/batches/${batchId}/records`;
    return recordsFromAnswer(route, await this.get(route, `/v1/members/${encodeURIComponent(member)}/batches/${encodeURIComponent(batchId)}/records`));
  }

  private async get(route: string, path: string): Promise<unknown> {
    const url = new URL(path, this.options.url);
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new NodeUnreachableError(this.options.url, error);
    }
    const text = await readBounded(response, route);
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new NodeAnswerError(route, response.status, 'NotJson', 'the answer is not JSON');
    }
    if (!response.ok) {
      const fields = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown };
      throw new NodeAnswerError(route, response.status, typeof fields.error === 'string' ? fields.error : response.statusText, typeof fields.message === 'string' ? fields.message : '');
    }
    return body;
  }
}

/** The answer's text, refused past ANSWER_MAX_BYTES without reading the rest. */
async function readBounded(response: Response, route: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > ANSWER_MAX_BYTES) {
        await response.body.cancel();
        throw new NodeAnswerError(route, response.status, 'AnswerTooLarge', `more than ${ANSWER_MAX_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
