import type { BudgetAlert } from '../../lib/alerts/budget-alert.js';
import { loadDailyDigest } from '../../lib/digest/daily-digest.js';
import { digestText } from '../../lib/digest/render-digest.js';
import { wireDigestSources } from '../../lib/wiring/wire-daily-digest.js';
import { messageForProtocol, type PublishedMessage } from '../stand-ins/sns-stand-in.js';
import type { LocalModeContext } from './context.js';
import type { LocalModeSummary } from './local-mode-summary.js';

/** The alert local mode shows: the harshest action applied, else the first alert. */
function alertToShow(messages: readonly PublishedMessage[]): PublishedMessage | undefined {
  const rank = (message: PublishedMessage): number => {
    const alert = JSON.parse(messageForProtocol(message, 'sqs')) as Partial<BudgetAlert>;
    if (alert.kind !== 'budget-action' || alert.outcome !== 'applied') return 0;
    return { notify: 1, throttle: 2, disable: 3, 'disable-now': 3 }[alert.action ?? 'notify'];
  };
  const alerts = messages.filter((message) => message.messageStructure === 'json');
  return [...alerts].sort((a, b) => rank(b) - rank(a))[0];
}

/**
 * The end of `npm start`: one alert as the SNS stand-in received it, as e-mail and as the chat
 * card, then the daily digest of the simulated day, computed as the digest function does.
 */
export async function printAlertsAndDigest(
  ctx: LocalModeContext,
  summary: LocalModeSummary,
): Promise<void> {
  const indent = (text: string) => {
    for (const line of text.replace(/\n$/, '').split('\n')) ctx.out(`  ${line}`);
  };
  const published = ctx.sns.messages.filter((message) => message.topicArn === ctx.alertsTopicArn);
  const shown = alertToShow(published);
  ctx.out();
  if (shown === undefined) {
    ctx.out('Alerts: none were published.');
  } else {
    ctx.out(
      `Alerts: ${published.length} published to the alerts topic; one of them, as e-mail gets it:`,
    );
    indent(`Subject: ${shown.subject ?? ''}\n\n${messageForProtocol(shown, 'email')}`);
    ctx.out();
    ctx.out('The same alert as Slack or Teams gets it (custom-notification card, https):');
    indent(JSON.stringify(JSON.parse(messageForProtocol(shown, 'https')), null, 2));
  }
  const digest = await loadDailyDigest(
    {
      ...wireDigestSources({
        documents: ctx.clients.documents,
        tableName: ctx.tableName,
        cloudWatch: { client: ctx.clients.cloudwatch, namespace: ctx.metricsNamespace },
      }),
      // The simulated queue's dead letters: local mode has no SQS to ask.
      deadLetters: async () => summary.deadLetters.length,
    },
    ctx.day.day,
  );
  ctx.out();
  ctx.out(`Daily digest of the simulated day  $ athena-cost digest --day ${ctx.day.day}`);
  indent(digestText(digest));
}
