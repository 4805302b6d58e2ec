import type * as z from 'zod/mini';
import type { Checked } from '../errors/checked.js';

export type ParsedBody<T> = Checked<{ value: T }>;

/**
 * Parses a JSON text, or says why it is not JSON. The reason is logged and shown by `dlq peek`,
 * so it keeps V8's message only up to the excerpt of the text V8 quotes (`Unexpected token 'S',
 * ..."ryString":SELECT ssn"... is not valid JSON`): a CloudTrail record's SQL text never reaches
 * a log.
 */
export function parseJsonBody(body: string): ParsedBody<unknown> {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    const message = ((error as Error).message.split('"')[0] ?? '').replace(/[\s,.]+$/, '');
    return { ok: false, reason: `body is not JSON: ${message}` };
  }
}

/** Validates parsed JSON against a schema, or says exactly what is wrong with it. */
export function validateEvent<Schema extends z.ZodMiniType>(
  schema: Schema,
  json: unknown,
): ParsedBody<z.output<Schema>> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const reason = parsed.error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
  return { ok: false, reason };
}
