import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsMessageOf } from '../alerts/sns-alert-message.js';
import type { DailyDigest } from './daily-digest.js';
import type { DigestPublisher } from './digest-publisher.js';
import { renderDigest } from './render-digest.js';

/**
 * Publishes the digest to the alerts topic as one structured message: text for e-mail, a card
 * for chat, the digest as JSON for queues; `kind: daily-digest` lets subscriptions filter it.
 */
export class SnsDigestPublisher implements DigestPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(digest: DailyDigest): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        ...snsMessageOf(renderDigest(digest), digest),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'daily-digest' } },
      }),
    );
  }
}
