import Type from 'typebox';

/**
 * Shapes shared by routes. Route schemas are TypeBox (plain JSON Schema): fastify validates
 * them with ajv and @fastify/swagger publishes them in /openapi.json unchanged.
 */

/** Every refusal has this body: a stable `error` code to branch on, the field at fault if any, words for people. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'stable code: unauthorized, forbidden, rate_limited, invalid_request, body_too_large, not_found, ...' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the field at fault, e.g. body.tx or params.height' })),
    retryAfterSeconds: Type.Optional(Type.Integer({ description: 'with 429: when to retry (also the Retry-After header)' })),
  },
  { description: 'a refused request' },
);

export const Hash32Hex = Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: '32 bytes in hex' });

/** An object whose fields this schema does not list (status objects of other libraries), passed through as they are. */
export const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** The refusals every authenticated route can answer. */
export const AUTH_REFUSALS = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  429: ErrorBody,
} as const;
