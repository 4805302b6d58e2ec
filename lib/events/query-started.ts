// zod/mini: the full zod build would triple the ingest bundle.
import * as z from 'zod/mini';
import { callerOfIdentity, type QueryCaller } from '../usage/query-principal.js';
import { type ParsedBody, validateEvent } from './parse-event-body.js';
import { QUERY_EXECUTION_ID } from './query-state-change.js';

/** The detail-type of every CloudTrail record EventBridge delivers. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

const optionalString = z.optional(z.nullable(z.string()));

/**
 * A CloudTrail `StartQueryExecution` record of Athena as EventBridge delivers it
 * (`source: aws.athena`, `detail.eventSource: athena.amazonaws.com`): who called
 * (`detail.userIdentity`) and the id Athena gave the query (`detail.responseElements
 * .queryExecutionId`). A call Athena refused has an `errorCode` and no response elements.
 * Unknown fields are tolerated; the query text in `requestParameters` is never read.
 */
export const QueryStartedEventSchema = z.looseObject(
  {
    source: z.literal('aws.athena', { error: 'source must be aws.athena' }),
    'detail-type': z.literal(CLOUDTRAIL_DETAIL_TYPE, {
      error: `detail-type must be "${CLOUDTRAIL_DETAIL_TYPE}"`,
    }),
    detail: z.looseObject(
      {
        eventSource: z.literal('athena.amazonaws.com', {
          error: 'detail.eventSource must be athena.amazonaws.com',
        }),
        eventName: z.literal('StartQueryExecution', {
          error: 'detail.eventName must be StartQueryExecution',
        }),
        recipientAccountId: optionalString,
        errorCode: optionalString,
        userIdentity: z.looseObject(
          {
            type: optionalString,
            arn: optionalString,
            accountId: optionalString,
            userName: optionalString,
            invokedBy: optionalString,
            sessionContext: z.optional(
              z.nullable(
                z.looseObject({
                  sessionIssuer: z.optional(
                    z.nullable(z.looseObject({ type: optionalString, userName: optionalString })),
                  ),
                }),
              ),
            ),
            onBehalfOf: z.optional(z.nullable(z.looseObject({ userId: optionalString }))),
          },
          { error: 'detail.userIdentity must be an object' },
        ),
        responseElements: z.optional(
          z.nullable(
            z.looseObject({
              queryExecutionId: z.optional(
                z
                  .string()
                  .check(
                    z.regex(
                      QUERY_EXECUTION_ID,
                      'detail.responseElements.queryExecutionId is not a query execution id',
                    ),
                  ),
              ),
            }),
          ),
        ),
      },
      { error: 'detail must be an object' },
    ),
  },
  { error: 'the event must be a JSON object' },
);

/** What a StartQueryExecution record tells: the query and who started it. */
export type QueryStarted =
  | { readonly started: true; readonly queryExecutionId: string; readonly caller: QueryCaller }
  /** A refused call (`errorCode`): no query was started, nothing to attribute. */
  | { readonly started: false; readonly errorCode: string };

/** Validates a parsed body as a StartQueryExecution record and reads who started which query. */
export function validateQueryStarted(json: unknown): ParsedBody<QueryStarted> {
  const validated = validateEvent(QueryStartedEventSchema, json);
  if (!validated.ok) return validated;
  const { detail } = validated.value;
  if (typeof detail.errorCode === 'string' && detail.errorCode !== '')
    return { ok: true, value: { started: false, errorCode: detail.errorCode.slice(0, 128) } };
  const queryExecutionId = detail.responseElements?.queryExecutionId;
  if (queryExecutionId === undefined)
    return { ok: false, reason: 'detail.responseElements.queryExecutionId is missing' };
  const caller = callerOfIdentity(
    withoutNulls(detail.userIdentity),
    detail.recipientAccountId ?? undefined,
  );
  if (!caller.ok) return { ok: false, reason: `detail.userIdentity: ${caller.reason}` };
  return { ok: true, value: { started: true, queryExecutionId, caller: caller.caller } };
}

type Identity = z.output<typeof QueryStartedEventSchema>['detail']['userIdentity'];

/** CloudTrail writes `null` for absent fields; the normalisation reads them as absent. */
function withoutNulls(identity: Identity) {
  const text = (value: string | null | undefined) => value ?? undefined;
  return {
    type: text(identity.type),
    arn: text(identity.arn),
    accountId: text(identity.accountId),
    userName: text(identity.userName),
    invokedBy: text(identity.invokedBy),
    sessionContext: {
      sessionIssuer: {
        type: text(identity.sessionContext?.sessionIssuer?.type),
        userName: text(identity.sessionContext?.sessionIssuer?.userName),
      },
    },
    onBehalfOf: { userId: text(identity.onBehalfOf?.userId) },
  };
}
