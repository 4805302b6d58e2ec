import { SQSClient } from '@aws-sdk/client-sqs';
import { parseIngestMessage } from '../lib/events/ingest-message.js';
import { isTerminalState } from '../lib/usage/query-usage.js';
import { CliError, networkProblem } from './errors.js';

/**
 * An SQS client with no hard-coded endpoint (AWS_ENDPOINT_URL_SQS redirects it), or, given the
 * queue's URL, one that calls the host of that URL: the SDK would do so anyway for calls that
 * carry the URL, but warn about it on the console first.
 */
export function createSqsClient(region: string | undefined, queueUrl?: string): SQSClient {
  const endpoint = queueUrl === undefined ? undefined : originOf(queueUrl);
  return new SQSClient({
    maxAttempts: 3,
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
  });
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** What a dead-lettered message says about itself, as far as its body tells. */
export interface PoisonDiagnosis {
  readonly queryExecutionId: string | undefined;
  readonly state: string | undefined;
  readonly reason: string;
}

/**
 * Why a dead-lettered message probably failed, from its body alone: the parser's reason for a
 * malformed one (what the ingest log said); for a well-formed event, where to look further.
 */
export function diagnosePoisonRecord(body: string): PoisonDiagnosis {
  const parsed = parseIngestMessage(body);
  if (!parsed.ok) {
    return { queryExecutionId: undefined, state: undefined, reason: `malformed: ${parsed.reason}` };
  }
  if (parsed.message.kind === 'query-started') {
    const started = parsed.message.started;
    return started.started
      ? {
          queryExecutionId: started.queryExecutionId,
          state: undefined,
          reason: `CloudTrail StartQueryExecution record (caller ${started.caller.principal}) not attributed: see the ingest logs`,
        }
      : {
          queryExecutionId: undefined,
          state: undefined,
          reason: `CloudTrail record of a refused StartQueryExecution (${started.errorCode}): nothing to attribute`,
        };
  }
  const { queryExecutionId, currentState } = parsed.message.event.detail;
  if (!isTerminalState(currentState)) {
    return {
      queryExecutionId,
      state: currentState,
      reason: `not a finished state (${currentState}): ingest skips these, so it failed for another cause`,
    };
  }
  return {
    queryExecutionId,
    state: currentState,
    reason:
      'well-formed event whose query was not recorded (unknown to Athena?): see the ingest logs',
  };
}

/**
 * A body as `dlq peek` shows it: the SQL text of a CloudTrail StartQueryExecution record
 * (`requestParameters.queryString`, which may hold personal data; see the README's Security) is
 * withheld, in a whole body and in one cut short alike, so peeking at the queue never prints a
 * statement that the monitor itself never stores.
 */
export function withholdSqlText(body: string): string {
  return body.replace(QUERY_STRING_VALUE, '"queryString":"(SQL text withheld)"');
}

// A JSON string value, escapes included, up to its closing quote or the end of a cut body.
const QUERY_STRING_VALUE = /"queryString"\s*:\s*"(?:[^"\\]|\\[\s\S]?)*(?:"|$)/g;

/** A body shortened for a terminal line, control characters flattened. */
export function truncateBody(body: string, length: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: flattening them is the point.
  const flat = body.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}

/** An SQS failure as one CLI line naming the queue. */
export function sqsFailure(action: string, queue: string, error: unknown): CliError {
  const network = error instanceof Error ? networkProblem(error) : undefined;
  if (network !== undefined) {
    return new CliError(
      `${action}: cannot reach SQS for ${queue}: ${network}`,
      1,
      'Check --region, the network, or AWS_ENDPOINT_URL_SQS for a local stand-in.',
    );
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (
    name === 'QueueDoesNotExist' ||
    /NonExistentQueue|does not exist/i.test(`${name} ${message}`)
  ) {
    return new CliError(
      `${action}: queue ${queue} does not exist`,
      1,
      'Check --dlq-url / --dlq-arn and --region (stack outputs IngestDeadLetterQueueUrl and IngestDeadLetterQueueArn).',
    );
  }
  return new CliError(`${action} (${queue}): ${name}: ${message}`);
}
