// zod/mini: the full zod build would triple the ingest bundle.
import * as z from 'zod/mini';
import type { Checked } from '../errors/checked.js';
import { parseJsonBody, validateEvent } from './parse-event-body.js';

/** Athena query ids are UUIDs; anything else cannot be asked of BatchGetQueryExecution. */
export const QUERY_EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * The EventBridge "Athena Query State Change" event as delivered in an SQS body. Unknown fields
 * are tolerated: AWS adds fields without notice.
 */
export const QueryStateChangeEventSchema = z.looseObject(
  {
    source: z.literal('aws.athena', { error: 'source must be aws.athena' }),
    'detail-type': z.literal('Athena Query State Change', {
      error: 'detail-type must be "Athena Query State Change"',
    }),
    id: z.optional(z.string()),
    time: z.optional(z.string()),
    detail: z.looseObject(
      {
        queryExecutionId: z
          .string({ error: 'detail.queryExecutionId is missing' })
          .check(
            z.regex(QUERY_EXECUTION_ID, 'detail.queryExecutionId is not a query execution id'),
          ),
        currentState: z.string({ error: 'detail.currentState is missing' }),
        previousState: z.optional(z.string()),
        statementType: z.optional(z.string()),
        workgroupName: z.optional(z.string()),
        sequenceNumber: z.optional(z.string()),
      },
      { error: 'detail must be an object' },
    ),
  },
  { error: 'the event must be a JSON object' },
);

export type QueryStateChangeEvent = z.infer<typeof QueryStateChangeEventSchema>;

export type ParsedEvent = Checked<{ event: QueryStateChangeEvent }>;

/** Parses an SQS message body into a state-change event, or says exactly what is wrong with it. */
export function parseQueryStateChange(body: string): ParsedEvent {
  const json = parseJsonBody(body);
  return json.ok ? validateQueryStateChange(json.value) : json;
}

/** Validates an already parsed body as a state-change event. */
export function validateQueryStateChange(json: unknown): ParsedEvent {
  const validated = validateEvent(QueryStateChangeEventSchema, json);
  return validated.ok ? { ok: true, event: validated.value } : validated;
}
