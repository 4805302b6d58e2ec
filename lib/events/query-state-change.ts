import { z } from 'zod';

/** Athena query ids are UUIDs; anything else cannot be asked of BatchGetQueryExecution. */
const QUERY_EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * The EventBridge "Athena Query State Change" event as delivered in an SQS body. Unknown fields
 * are tolerated: AWS adds fields without notice.
 */
export const QueryStateChangeEventSchema = z.looseObject({
  source: z.literal('aws.athena', { error: 'source must be aws.athena' }),
  'detail-type': z.literal('Athena Query State Change', {
    error: 'detail-type must be "Athena Query State Change"',
  }),
  id: z.string().optional(),
  time: z.string().optional(),
  detail: z.looseObject({
    queryExecutionId: z
      .string({ error: 'detail.queryExecutionId is missing' })
      .regex(QUERY_EXECUTION_ID, 'detail.queryExecutionId is not a query execution id'),
    currentState: z.string({ error: 'detail.currentState is missing' }),
    previousState: z.string().optional(),
    statementType: z.string().optional(),
    workgroupName: z.string().optional(),
    sequenceNumber: z.string().optional(),
  }),
});

export type QueryStateChangeEvent = z.infer<typeof QueryStateChangeEventSchema>;

export type ParsedEvent =
  | { readonly ok: true; readonly event: QueryStateChangeEvent }
  | { readonly ok: false; readonly reason: string };

/** Parses an SQS message body into a state-change event, or says exactly what is wrong with it. */
export function parseQueryStateChange(body: string): ParsedEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
  }
  const parsed = QueryStateChangeEventSchema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((issue) =>
        issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
      )
      .join('; ');
    return { ok: false, reason };
  }
  return { ok: true, event: parsed.data };
}
