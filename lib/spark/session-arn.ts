/**
 * Session ARNs, which GetResourceDashboard takes: `arn:<partition>:athena:<region>:<account>:
 * workgroup/<workgroup>/session/<session id>` (the `session` resource type of Athena in the
 * Service Authorization Reference). The account comes from the function's own ARN.
 */

/** `arn:<partition>:athena:<region>:<account>` of the account and region a Lambda runs in. */
export function athenaArnPrefixOf(invokedFunctionArn: string): string | undefined {
  const match = /^arn:([a-z-]+):lambda:([a-z0-9-]+):(\d{12}):function:/.exec(invokedFunctionArn);
  if (match === null) return undefined;
  const [, partition, region, account] = match;
  return `arn:${partition}:athena:${region}:${account}`;
}

export const sessionArnOf = (athenaArnPrefix: string, workgroup: string, sessionId: string) =>
  `${athenaArnPrefix}:workgroup/${workgroup}/session/${sessionId}`;
