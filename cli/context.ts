import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CliContext, OutputFormat, Writer } from './command.js';
import { PROGRAM } from './help.js';

export interface ContextSettings<Flags> {
  readonly command: string;
  readonly flags: Flags;
  readonly format: OutputFormat;
  readonly tableName: string;
  readonly region: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly cwd: string;
  readonly now: () => Date;
}

/** A context and the means to release what it created. */
export interface OwnedContext<Flags> {
  readonly context: CliContext<Flags>;
  close(): void;
}

/** Where DynamoDB calls go, as the SDK resolves it, for error messages. */
export function describeEndpoint(env: NodeJS.ProcessEnv, region: string | undefined): string {
  const override = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL;
  if (override) return override;
  const resolvedRegion = region ?? env.AWS_REGION;
  return resolvedRegion
    ? `https://dynamodb.${resolvedRegion}.amazonaws.com`
    : 'the regional DynamoDB endpoint';
}

export function createCliContext<Flags>(settings: ContextSettings<Flags>): OwnedContext<Flags> {
  let client: DynamoDBClient | undefined;
  let documents: DynamoDBDocumentClient | undefined;
  const context: CliContext<Flags> = {
    command: settings.command,
    flags: settings.flags,
    format: settings.format,
    tableName: settings.tableName,
    region: settings.region,
    endpoint: describeEndpoint(settings.env, settings.region),
    documents: () => {
      if (documents === undefined) {
        // No endpoint here: AWS_ENDPOINT_URL_DYNAMODB redirects the client (DynamoDB Local).
        client = new DynamoDBClient({
          maxAttempts: 3,
          ...(settings.region === undefined ? {} : { region: settings.region }),
        });
        documents = DynamoDBDocumentClient.from(client, {
          marshallOptions: { removeUndefinedValues: true },
        });
      }
      return documents;
    },
    stdout: settings.stdout,
    stderr: settings.stderr,
    warn: (message) => {
      settings.stderr.write(`${PROGRAM}: warning: ${message}\n`);
    },
    cwd: settings.cwd,
    env: settings.env,
    now: settings.now,
  };
  return { context, close: () => client?.destroy() };
}
