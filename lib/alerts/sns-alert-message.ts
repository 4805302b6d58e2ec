import type { BudgetAlert } from './budget-alert.js';
import { type RenderedAlert, renderAlert } from './render-alert.js';

/** What SNS Publish takes for one alert, per subscriber protocol. */
export interface SnsAlertMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
}

/**
 * The per-protocol messages of an alert (`MessageStructure: json`, SNS Publish): e-mail and any
 * protocol without its own entry get the plain text (`default` is required); HTTPS, how Amazon
 * Q Developer in chat applications subscribes, gets the custom-notification card; SQS and
 * Lambda subscribers get the alert itself as JSON, as they did before cards existed.
 */
export function snsAlertMessageOf(
  alert: BudgetAlert,
  rendered: RenderedAlert = renderAlert(alert),
): SnsAlertMessage {
  const structured = JSON.stringify(alert);
  return {
    Subject: rendered.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: rendered.text,
      email: rendered.text,
      https: JSON.stringify(rendered.chat),
      sqs: structured,
      lambda: structured,
    }),
  };
}
