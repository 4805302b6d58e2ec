/** A failure to report as one line, `athena-cost: <message>`, with an optional hint line. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad command line: unknown command or option, bad value. Exits 2 with a `--help` hint. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
};

/** Where the table lives, for messages about it. */
export interface TableLocation {
  readonly tableName: string;
  readonly endpoint: string;
}

/**
 * Turns an SDK or network error into a CliError that says which table and endpoint it concerns,
 * or returns undefined for errors it does not recognise.
 */
export function describeAwsError(error: unknown, location: TableLocation): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const where = `table '${location.tableName}' at ${location.endpoint}`;
  const network = networkProblem(error);
  if (network !== undefined) {
    return new CliError(
      `cannot reach DynamoDB for ${where}: ${network}`,
      EXIT_FAILURE,
      'Check --region, the network, or AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local.',
    );
  }
  switch (error.name) {
    case 'ResourceNotFoundException':
      return new CliError(
        `${where} does not exist`,
        EXIT_FAILURE,
        'Check --table (or TABLE_NAME) and --region.',
      );
    case 'CredentialsProviderError':
      return new CliError(
        `no AWS credentials to read ${where}: ${error.message}`,
        EXIT_FAILURE,
        'Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'AccessDeniedException':
      return new CliError(`AWS refused access to ${where}: ${error.message}`);
  }
  if (/region is missing/i.test(error.message)) {
    return new CliError('no AWS region', EXIT_USAGE, 'Pass --region or set AWS_REGION.');
  }
  return undefined;
}

/** The network failure behind an error, looking into AggregateError (IPv4 and IPv6 attempts). */
export function networkProblem(error: Error): string | undefined {
  const candidates: unknown[] = [error, (error as { cause?: unknown }).cause];
  if (error instanceof AggregateError) candidates.push(...error.errors);
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && code in NETWORK_CODES) return NETWORK_CODES[code];
  }
  return undefined;
}
