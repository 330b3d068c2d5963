import type { z } from 'zod';

import { InvalidInputError } from '../core/errors';

/**
 * Validates a parsed JSON body against a schema. Throws InvalidInputError
 * listing each invalid, missing or unknown field.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}: remove it`;
    }
    const field = issue.path.join('.') || 'body';
    return `${field}: ${issue.message}`;
  });
  throw new InvalidInputError(
    'invalid_request',
    `The request body is invalid: ${problems.join('; ')}.`,
  );
}
