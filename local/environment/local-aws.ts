import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AthenaStandIn,
  type SimulatedAthenaAccount,
  startAthenaStandIn,
} from '../stand-ins/athena-stand-in.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../stand-ins/cloudwatch-stand-in.js';
import { type SnsStandIn, startSnsStandIn } from '../stand-ins/sns-stand-in.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localTopicArn,
} from './local-account.js';

/**
 * One local AWS environment: DynamoDB Local (or a given DynamoDB endpoint) and the Athena,
 * CloudWatch and SNS stand-ins, with SDK clients and the `AWS_*` variables that point a
 * function, the CLI or a test at them. Local mode, the benchmark and the test harnesses all
 * start it here, so they cannot drift apart.
 */

export interface LocalAwsOptions {
  /** Use this DynamoDB (e.g. the tests' DynamoDB Local) instead of starting one. */
  readonly dynamoDbEndpoint?: string | undefined;
  /** Keep the DynamoDB Local this starts on disk in this folder instead of in memory. */
  readonly dataDirectory?: string | undefined;
  /** Serve this Athena account (e.g. one filled by a simulation); a new, empty one otherwise. */
  readonly athenaAccount?: SimulatedAthenaAccount | undefined;
  /** Time source of the stand-ins (e.g. a simulated clock); the wall clock otherwise. */
  readonly clock?: (() => Date) | undefined;
  /** Seed of the stand-ins' fault dice. */
  readonly seed?: number | undefined;
  /** Name of the alerts topic the SNS stand-in serves (default `athena-cost-local-alerts`). */
  readonly alertsTopicName?: string | undefined;
}

export interface LocalAws {
  readonly region: string;
  readonly accountId: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly athena: string;
    readonly cloudwatch: string;
    readonly sns: string;
  };
  /**
   * What a function or the CLI needs to reach this environment: region, dummy credentials and
   * `AWS_ENDPOINT_URL_*` for each service. Add TABLE_NAME and the like on top.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Clients pointed at the local endpoints, with dummy credentials. */
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly documents: DynamoDBDocumentClient;
    readonly athena: AthenaClient;
    readonly cloudwatch: CloudWatchClient;
    readonly sns: SNSClient;
  };
  readonly athena: AthenaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  /** Messages published to the alerts topic are in `sns.messages`. */
  readonly sns: SnsStandIn;
  readonly alertsTopicArn: string;
  /** The DynamoDB Local this started, with how long it took; undefined when one was given. */
  readonly dynamoDbLocal: { readonly startMs: number } | undefined;
  /** Stops everything this started and destroys the clients; never throws. */
  close(): Promise<void>;
}

/** Starts the local AWS environment; everything started is stopped again if a part fails. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of closers.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // Shutting down: a part that fails to stop must not keep the others running.
      }
    }
  };
  try {
    let dynamoDbEndpoint = options.dynamoDbEndpoint;
    let dynamoDbLocal: LocalAws['dynamoDbLocal'];
    if (dynamoDbEndpoint === undefined) {
      const started = performance.now();
      const local = await startDynamoDbLocal(
        options.dataDirectory === undefined ? {} : { dataDirectory: options.dataDirectory },
      );
      closers.push(() => local.stop());
      dynamoDbEndpoint = local.endpoint;
      dynamoDbLocal = { startMs: performance.now() - started };
    }
    const { clock, seed } = options;
    // Only what is given: each stand-in has its own defaults.
    const dice = seed === undefined ? {} : { seed };
    const time = clock === undefined ? {} : { clock };
    const athena = await startAthenaStandIn({
      ...dice,
      ...(options.athenaAccount === undefined ? time : { account: options.athenaAccount }),
    });
    closers.push(() => athena.close());
    const cloudWatch = await startCloudWatchStandIn({
      ...dice,
      ...time,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
    });
    closers.push(() => cloudWatch.close());
    const alertsTopicArn = localTopicArn(options.alertsTopicName ?? 'athena-cost-local-alerts');
    const sns = await startSnsStandIn({ topics: [alertsTopicArn], ...dice, ...time });
    closers.push(() => sns.close());

    const endpoints = {
      dynamodb: dynamoDbEndpoint,
      athena: athena.endpoint,
      cloudwatch: cloudWatch.endpoint,
      sns: sns.endpoint,
    };
    const clientConfig = (endpoint: string) => ({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const dynamodb = new DynamoDBClient(clientConfig(endpoints.dynamodb));
    const clients = {
      dynamodb,
      documents: DynamoDBDocumentClient.from(dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      athena: new AthenaClient(clientConfig(endpoints.athena)),
      cloudwatch: new CloudWatchClient(clientConfig(endpoints.cloudwatch)),
      sns: new SNSClient(clientConfig(endpoints.sns)),
    };
    closers.push(() => {
      for (const client of Object.values(clients)) client.destroy();
    });

    return {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      endpoints,
      env: localAwsEnv(endpoints),
      clients,
      athena,
      cloudWatch,
      sns,
      alertsTopicArn,
      dynamoDbLocal,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The `AWS_*` variables that point the SDK at these endpoints, with dummy credentials. */
export function localAwsEnv(endpoints: LocalAws['endpoints']): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_ATHENA: endpoints.athena,
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.cloudwatch,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    // The SDK warns once per copy (host and bundle) that Node 20 support ends in 2027.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
