import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/environment/local-account.js';

/**
 * New SDK clients of the Athena and CloudWatch stand-ins, as a function instance creates its own:
 * for the wiring of a use case under test.
 */
export function standInClients(standIns: {
  readonly athena: { readonly endpoint: string };
  readonly cloudWatch: { readonly endpoint: string };
}): { readonly athena: AthenaClient; readonly cloudWatch: CloudWatchClient } {
  const config = (endpoint: string) => ({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    athena: new AthenaClient(config(standIns.athena.endpoint)),
    cloudWatch: new CloudWatchClient(config(standIns.cloudWatch.endpoint)),
  };
}
