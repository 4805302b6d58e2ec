import type { Checked } from '../errors/checked.js';
import { parseJsonBody } from './parse-event-body.js';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  type QueryStarted,
  validateQueryStarted,
} from './query-started.js';
import { type QueryStateChangeEvent, validateQueryStateChange } from './query-state-change.js';

/** What one message of the ingest queue carries, by the rule that put it there. */
export type IngestMessageEvent =
  | { readonly kind: 'state-change'; readonly event: QueryStateChangeEvent }
  | { readonly kind: 'query-started'; readonly started: QueryStarted };

export type ParsedIngestMessage = Checked<{ message: IngestMessageEvent }>;

/**
 * Parses a message of the ingest queue: an Athena state change, or (with `attributePrincipals`)
 * a CloudTrail StartQueryExecution record, told apart by `detail-type`. Anything else is
 * malformed and says why.
 */
export function parseIngestMessage(body: string): ParsedIngestMessage {
  const json = parseJsonBody(body);
  if (!json.ok) return json;
  const detailType =
    typeof json.value === 'object' && json.value !== null
      ? (json.value as Record<string, unknown>)['detail-type']
      : undefined;
  if (detailType === CLOUDTRAIL_DETAIL_TYPE) {
    const started = validateQueryStarted(json.value);
    return started.ok
      ? { ok: true, message: { kind: 'query-started', started: started.value } }
      : started;
  }
  const changed = validateQueryStateChange(json.value);
  return changed.ok
    ? { ok: true, message: { kind: 'state-change', event: changed.event } }
    : changed;
}
