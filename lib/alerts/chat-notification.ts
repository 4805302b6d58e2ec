// zod/mini: alerts are rendered in the ingest function, whose bundle the full zod would triple.
import * as z from 'zod/mini';

/**
 * A custom notification of Amazon Q Developer in chat applications (formerly AWS Chatbot): the
 * document it renders as a card in Slack, Microsoft Teams or Amazon Chime when it arrives on a
 * subscribed SNS topic. Schema from the AWS guide "Custom notifications using Amazon Q Developer
 * in chat applications" (docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html):
 * `version` must be `1.0`, `source` must be `custom`, `textType` supports only
 * `client-markdown`; `id`, `nextSteps`, `keywords` and `metadata` are optional.
 */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  /** Unique event identifier. */
  readonly id?: string | undefined;
  readonly content: ChatNotificationContent;
  readonly metadata?: ChatNotificationMetadata | undefined;
}

export interface ChatNotificationContent {
  /** The chat platform's own markdown (Slack mrkdwn, Teams markdown). */
  readonly textType: 'client-markdown';
  readonly title: string;
  readonly description: string;
  /** Shown as a list under the description: here, the commands that undo or pause an action. */
  readonly nextSteps?: readonly string[] | undefined;
  /** Shown as tags. */
  readonly keywords?: readonly string[] | undefined;
}

export interface ChatNotificationMetadata {
  /** Notifications with the same thread id are grouped in one thread, where the channel allows. */
  readonly threadId?: string | undefined;
  readonly summary?: string | undefined;
  /** What custom actions match on (`NotificationType` of a custom action attachment). */
  readonly eventType?: string | undefined;
  readonly relatedResources?: readonly string[] | undefined;
  readonly additionalContext?: Readonly<Record<string, string>> | undefined;
}

/**
 * Length limits this product keeps. The guide names none per field; the card is drawn with
 * Slack Block Kit, whose header text holds 150 characters and whose section text holds 3,000
 * (Slack Block Kit reference), so longer text would be cut. Custom actions match on `eventType`
 * with the pattern [a-zA-Z0-9-]+ of at most 100 characters (Chatbot API, CustomActionAttachment).
 * The whole SNS message, every protocol's text together, may not exceed 256 KB (SNS Publish).
 */
export const CHAT_NOTIFICATION_LIMITS = {
  titleChars: 150,
  descriptionChars: 3_000,
  nextSteps: 5,
  nextStepChars: 500,
  keywords: 10,
  keywordChars: 50,
  eventTypeChars: 100,
  documentBytes: 256 * 1024,
} as const;

const L = CHAT_NOTIFICATION_LIMITS;

const text = (max: number) =>
  z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
    );

const ChatNotificationSchema = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.optional(text(256)),
  content: z.strictObject({
    textType: z.literal('client-markdown'),
    title: text(L.titleChars),
    description: text(L.descriptionChars),
    nextSteps: z.optional(
      z
        .array(text(L.nextStepChars))
        .check(z.maxLength(L.nextSteps, `at most ${L.nextSteps} steps`)),
    ),
    keywords: z.optional(
      z
        .array(text(L.keywordChars))
        .check(z.maxLength(L.keywords, `at most ${L.keywords} keywords`)),
    ),
  }),
  metadata: z.optional(
    z.strictObject({
      threadId: z.optional(text(256)),
      summary: z.optional(text(L.titleChars)),
      eventType: z.optional(
        text(L.eventTypeChars).check(z.regex(/^[a-zA-Z0-9-]+$/, 'must match [a-zA-Z0-9-]+')),
      ),
      relatedResources: z.optional(z.array(text(2_048))),
      additionalContext: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});

export type ChatNotificationCheck =
  | { readonly ok: true; readonly notification: ChatNotification }
  | { readonly ok: false; readonly reason: string };

/** Checks a document against the custom-notification schema and this product's limits. */
export function checkChatNotification(document: unknown): ChatNotificationCheck {
  const parsed = ChatNotificationSchema.safeParse(document);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues
        .map((issue) => `${issue.path.map(String).join('.') || 'document'}: ${issue.message}`)
        .join('; '),
    };
  }
  const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
  if (bytes > L.documentBytes) {
    return { ok: false, reason: `document: ${bytes} bytes, more than ${L.documentBytes}` };
  }
  return { ok: true, notification: parsed.data };
}

/** Cuts text to `max` characters, ending with an ellipsis when it had to cut. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
