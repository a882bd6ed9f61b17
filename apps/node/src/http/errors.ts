/** Errors a handler or hook throws to refuse a request; the API's error handler turns each into its status and body. */

/** 403: the client may call the route, but not for this member (or not this action). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  readonly statusCode = 403;
}

/** 429: the client's budget for this route is spent; `retryAfterSeconds` says when it refills. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly statusCode = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** 400: a JSON body nesting deeper than the API takes (json-depth.ts), refused before it is parsed. */
export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';
  readonly statusCode = 400;
  constructor(readonly depthMax: number) {
    super(`the JSON body nests deeper than ${depthMax} levels`);
  }
}

/** A route registered without `config.access`: a programming error, found when the server is built. */
export class RouteAccessMissingError extends Error {
  override readonly name = 'RouteAccessMissingError';
  constructor(readonly route: string) {
    super(`${route} does not declare config.access ('public' | 'observer' | 'operator' | 'admin'): every route says who may call it`);
  }
}
