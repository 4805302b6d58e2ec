import { resolve } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type CliIo, processIo, runCli } from '../../cli/main.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../environment/local-account.js';
import { startLocalAws } from '../environment/local-aws.js';
import { startSqsStandIn } from '../stand-ins/sqs-stand-in.js';
import { setEnvironment } from './process-environment.js';
import { loadSavedAccount, SAVED_ACCOUNT_FILE } from './saved-account.js';

/**
 * `npx athena-cost --local DIR <command>`: the CLI against the account `npm start -- --data DIR`
 * left in DIR. Starts DynamoDB Local on DIR, the Athena stand-in with the account's workgroups
 * and query history, the CloudWatch, SNS and SQS stand-ins (an ingest queue with its DLQ), points
 * the CLI at them (table, endpoints, alerts topic, queues) and stops them all when the command
 * ends. The CLI's clock is the data's: the end of the simulated day, unless the real clock is
 * earlier, so `status` shows that day's budgets and nothing is dated after the data.
 */

/** The stack name local mode plays: alarm names and queue names derive from it. */
export const LOCAL_STACK_NAME = 'athena-cost-local';

const PROGRAM = 'athena-cost';

/** Splits `--local DIR rest…` (or `--local=DIR rest…`); undefined when argv does not start so. */
export function localArgs(
  argv: readonly string[],
): { readonly dir: string | undefined; readonly rest: readonly string[] } | undefined {
  const [first, second] = argv;
  if (first === '--local') return { dir: second, rest: argv.slice(2) };
  if (first?.startsWith('--local='))
    return { dir: first.slice('--local='.length), rest: argv.slice(1) };
  return undefined;
}

/** Runs one CLI command line against a persisted local-mode account; resolves to its exit code. */
export async function runCliOnSavedAccount(
  dir: string | undefined,
  argv: readonly string[],
  io: CliIo = processIo(),
): Promise<number> {
  const fail = (message: string, hint: string, code = 2) => {
    io.stderr.write(`${PROGRAM}: ${message}\n${hint}\n`);
    return code;
  };
  if (dir === undefined || dir === '' || dir.startsWith('-')) {
    return fail('--local needs a directory', "Run 'npx athena-cost --local DIR <command>'.");
  }
  const dataDirectory = resolve(io.cwd, dir);
  const account = await loadSavedAccount(dataDirectory);
  if (account === undefined) {
    return fail(
      `${dataDirectory} holds no local-mode account (no ${SAVED_ACCOUNT_FILE})`,
      `Run 'npm start -- --data ${dir}' first, then 'npx athena-cost --local ${dir} status'.`,
      1,
    );
  }
  if (argv.length === 0) {
    return fail('--local DIR needs a command', `Run 'npx athena-cost --local ${dir} status'.`);
  }
  const clock = new Date(Math.min(account.clock.getTime(), io.now().getTime()));
  const aws = await startLocalAws({ dataDirectory, athenaAccount: account.athena });
  try {
    const sqs = await startSqsStandIn({ region: LOCAL_REGION, accountId: aws.accountId });
    try {
      const queues = await createQueues(sqs.endpoint);
      const env = {
        ...aws.env,
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        TABLE_NAME: account.file.tableName,
        ALERTS_TOPIC_ARN: aws.alertsTopicArn,
        STACK_NAME: LOCAL_STACK_NAME,
        DLQ_URL: queues.dlqUrl,
        DLQ_ARN: queues.dlqArn,
        INGEST_QUEUE_ARN: queues.ingestArn,
      };
      // The CLI's SDK clients read endpoints and credentials from the process environment.
      const restore = setEnvironment(env, [
        'AWS_PROFILE',
        'AWS_SESSION_TOKEN',
        'ATHENA_COST_STACK',
      ]);
      try {
        return await runCli(argv, { ...io, env: { ...io.env, ...env }, now: () => clock });
      } finally {
        restore();
      }
    } finally {
      await sqs.close();
    }
  } finally {
    await aws.close();
  }
}

/** The stack's ingest queue and its dead-letter queue, as serverless.yml wires them. */
async function createQueues(endpoint: string) {
  const sqs = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const arnOf = async (url: string) =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn ?? '';
    const dlqUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: `${LOCAL_STACK_NAME}-ingest-dlq` })))
        .QueueUrl ?? '';
    const dlqArn = await arnOf(dlqUrl);
    const ingestUrl =
      (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: `${LOCAL_STACK_NAME}-ingest`,
            Attributes: {
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
            },
          }),
        )
      ).QueueUrl ?? '';
    return { dlqUrl, dlqArn, ingestArn: await arnOf(ingestUrl) };
  } finally {
    sqs.destroy();
  }
}
