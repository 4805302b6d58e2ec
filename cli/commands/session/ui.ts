import { GetResourceDashboardCommand, GetSessionCommand } from '@aws-sdk/client-athena';
import { z } from 'zod';
import { isUnknownSession } from '../../../lib/athena/athena-spark-sessions.js';
import { DynamoDbSessionStore } from '../../../lib/store/dynamodb-session-store.js';
import { AwsServices, callService, describeServiceError } from '../../aws-services.js';
import { defineCommand } from '../../command.js';
import { CliError, EXIT_FAILURE } from '../../errors.js';

/** Athena session ids as ListSessions shows them; anything else cannot name one. */
const SESSION_ID = /^[A-Za-z0-9_.:-]{1,256}$/;

export default defineCommand({
  name: 'session ui',
  summary: "A Spark session's live Spark UI (or History Server) link",
  description: `
Asks Athena (GetResourceDashboard) for a link to the session's Spark UI — the live UI while the
session runs, the Spark History Server once it has ended — and prints it on stdout. The link is a
live, credential-like URL: it is fetched on demand, never stored and never logged; do not paste it
where others can read it. Athena is asked for it with the session's ARN, which the sparkSessions
function records when it first counts the session (every 5 minutes). The product never calls
GetSessionEndpoint (Spark Connect) and never shows a Spark Connect token.`,
  options: {},
  positionals: {
    arguments: [
      { name: 'session-id', description: 'The Spark session (see athena-cost sessions)' },
    ],
    schema: z
      .array(z.string())
      .length(1, { error: 'session-id is required, and only one' })
      .refine(([id]) => id !== undefined && SESSION_ID.test(id), {
        error: 'session-id must be an Athena session id (letters, digits, . _ : -)',
      }),
  },
  formats: ['text'],
  examples: ['athena-cost session ui 0ec7a8b2-1f3e-4a9b-9c1d-2b8e5f6a7c90'],
  async run(context) {
    const [sessionId = ''] = context.flags.positionals;
    const services = new AwsServices(context.region);
    try {
      const athena = services.athena();
      try {
        await athena.send(new GetSessionCommand({ SessionId: sessionId }));
      } catch (error) {
        if (isUnknownSession(error))
          throw new CliError(
            `Spark session '${sessionId}' does not exist`,
            EXIT_FAILURE,
            "Run 'athena-cost sessions' to see the sessions.",
          );
        throw describeServiceError(
          error,
          'Athena',
          `cannot read Spark session '${sessionId}'`,
          context.region,
        );
      }
      const record = (
        await new DynamoDbSessionStore(context.documents(), context.tableName).load([sessionId])
      ).get(sessionId);
      if (record?.sessionArn === undefined)
        throw new CliError(
          `Spark session '${sessionId}' is not counted yet, so its ARN is not known`,
          EXIT_FAILURE,
          'The sparkSessions function records it within 5 minutes of its start; try again then.',
        );
      const sessionArn = record.sessionArn;
      const { Url: url } = await callService(
        'Athena',
        `cannot get the Spark UI of session '${sessionId}'`,
        context.region,
        () => athena.send(new GetResourceDashboardCommand({ ResourceARN: sessionArn })),
      );
      if (url === undefined)
        throw new CliError(`Athena gave no Spark UI link for session '${sessionId}'`);
      context.stdout.write(`${url}\n`);
      context.stderr.write(
        'athena-cost: this link gives access to the Spark UI: do not share it; ask again when it expires.\n',
      );
      return 0;
    } finally {
      services.close();
    }
  },
});
