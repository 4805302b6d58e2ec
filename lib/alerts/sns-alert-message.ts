import type { BudgetAlert } from './budget-alert.js';
import { type RenderedAlert, renderAlert } from './render-alert.js';

/** What SNS Publish takes for one message, per subscriber protocol. */
export interface SnsStructuredMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
}

/**
 * The per-protocol messages of a rendered alert or digest (`MessageStructure: json`, SNS
 * Publish): e-mail and any protocol without its own entry get the plain text (`default` is
 * required); HTTPS, how Amazon Q Developer in chat applications subscribes, gets the
 * custom-notification card; SQS and Lambda subscribers get `structured` as JSON, for scripts.
 */
export function snsMessageOf(rendered: RenderedAlert, structured: unknown): SnsStructuredMessage {
  const json = JSON.stringify(structured);
  return {
    Subject: rendered.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: rendered.text,
      email: rendered.text,
      https: JSON.stringify(rendered.chat),
      sqs: json,
      lambda: json,
    }),
  };
}

/** An alert's SNS message: its text, its card, and the alert itself for queues. */
export const snsAlertMessageOf = (
  alert: BudgetAlert,
  rendered: RenderedAlert = renderAlert(alert),
): SnsStructuredMessage => snsMessageOf(rendered, alert);
