import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { AlertPublisher } from './alert-publisher.js';
import { alertSubjectOf, type BudgetAlert } from './budget-alert.js';
import { snsAlertMessageOf } from './sns-alert-message.js';

/**
 * Logs every alert and, where an alerts topic is configured, publishes it to SNS (a text for
 * e-mail, a card for chat, the alert as JSON for queues and functions) with the workgroup and
 * kind as message attributes so subscriptions can filter.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly logger: Log,
    private readonly sns: SNSClient | undefined,
    private readonly topicArn: string | undefined,
  ) {}

  async publish(alert: BudgetAlert): Promise<void> {
    this.logger.info('Budget alert', { alert });
    if (this.sns === undefined || this.topicArn === undefined) return;
    const subject = alertSubjectOf(alert);
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          ...snsAlertMessageOf(alert),
          MessageAttributes: {
            // `workgroup` or `reservation`: subscriptions filter on the one they care about.
            [subject.kind]: { DataType: 'String', StringValue: subject.name },
            kind: { DataType: 'String', StringValue: alert.kind },
          },
        }),
      );
    } catch (error) {
      this.logger.error('Could not publish the alert to SNS; the action stands', {
        error: describeError(error),
        [subject.kind]: subject.name,
      });
    }
  }
}

/** The alert publisher for a configuration: SNS where a topic is set, the log alone otherwise. */
export function createAlertPublisher(
  logger: Log,
  alertsTopicArn: string | undefined,
  createSns: () => SNSClient,
): AlertPublisher {
  return new SnsAlertPublisher(
    logger,
    alertsTopicArn === undefined ? undefined : createSns(),
    alertsTopicArn,
  );
}
