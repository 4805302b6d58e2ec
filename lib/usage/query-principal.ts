/**
 * Who started a query, read from the `userIdentity` of its CloudTrail `StartQueryExecution`
 * record and normalised so that one person or one job is one value whatever session it used.
 * Pure: the CloudTrail record is validated at the edge (lib/events/query-started.ts).
 */

import type { Checked } from '../errors/checked.js';

/** The attribution key under which usage is counted per principal. */
export const PRINCIPAL_KEY = 'principal';
/**
 * Where a query's usage is counted until its CloudTrail record names the principal (and for good
 * when none arrives). Never capped: a move out of it must find the usage it counted.
 */
export const UNKNOWN_PRINCIPAL = 'unknown';

/** Role name prefix of the roles IAM Identity Center creates for its permission sets. */
const IDENTITY_CENTER_ROLE_PREFIX = 'AWSReservedSSO_';
/** What a principal or its detail may hold: IAM name and session-name characters, `:` and `/`. */
export const PRINCIPAL_PATTERN = /^[A-Za-z0-9_+=,.@:/-]{1,256}$/;

/** The principal a query's usage is counted under, and what distinguishes its sessions. */
export interface QueryCaller {
  /** `role/<name>`, `user/<name>`, `identity-center/<user>`, ...; never `unknown`. */
  readonly principal: string;
  /** The assumed-role session name (or, for Identity Center, the permission set's role). */
  readonly detail?: string | undefined;
}

/** The parts of CloudTrail's `userIdentity` the normalisation reads; all optional. */
export interface UserIdentity {
  readonly type?: string | undefined;
  readonly arn?: string | undefined;
  readonly accountId?: string | undefined;
  readonly userName?: string | undefined;
  readonly invokedBy?: string | undefined;
  readonly sessionContext?:
    | {
        readonly sessionIssuer?:
          | { readonly type?: string | undefined; readonly userName?: string | undefined }
          | undefined;
      }
    | undefined;
  readonly onBehalfOf?: { readonly userId?: string | undefined } | undefined;
}

export type CallerOfIdentity = Checked<{ caller: QueryCaller }>;

/**
 * Normalises a CloudTrail identity:
 * - `AssumedRole` → `role/<role name>`, the session name as the detail: every session of a role
 *   (a Lambda's, a dbt run's, a person's) is the role. A role of an IAM Identity Center permission
 *   set (`AWSReservedSSO_*`) is shared by every user of the set, whose user name is the session
 *   name: → `identity-center/<session name>`, the role as the detail.
 * - `IAMUser` → `user/<name>`; `Root` → `root`; `FederatedUser` → `federated-user/<name>`;
 *   `IdentityCenterUser` (trusted identity propagation) → `identity-center/<user id>`;
 *   `AWSService` → `service/<invokedBy>`.
 * - A principal of another account than the one recording the call is prefixed `<account>:`.
 */
export function callerOfIdentity(
  identity: UserIdentity,
  recipientAccountId?: string | undefined,
): CallerOfIdentity {
  const named = namedCaller(identity);
  if (!named.ok) return named;
  const foreign =
    identity.accountId !== undefined &&
    recipientAccountId !== undefined &&
    identity.accountId !== recipientAccountId;
  const principal = foreign
    ? `${identity.accountId}:${named.caller.principal}`
    : named.caller.principal;
  if (!PRINCIPAL_PATTERN.test(principal))
    return { ok: false, reason: `userIdentity gives no usable principal (${describe(principal)})` };
  const detail = named.caller.detail;
  return {
    ok: true,
    caller: {
      principal,
      ...(detail !== undefined && PRINCIPAL_PATTERN.test(detail) ? { detail } : {}),
    },
  };
}

function namedCaller(identity: UserIdentity): CallerOfIdentity {
  const arnPath = identity.arn?.split(':').slice(5).join(':') ?? '';
  const lastSegment = (path: string) => path.split('/').pop() ?? '';
  switch (identity.type) {
    case 'AssumedRole': {
      // arn:aws:sts::123456789012:assumed-role/<role>/<session>
      const [kind, roleFromArn, ...session] = arnPath.split('/');
      const role = identity.sessionContext?.sessionIssuer?.userName ?? roleFromArn;
      const sessionName = kind === 'assumed-role' ? session.join('/') : '';
      if (!role) return { ok: false, reason: 'AssumedRole identity names no role' };
      if (role.startsWith(IDENTITY_CENTER_ROLE_PREFIX) && sessionName)
        return {
          ok: true,
          caller: { principal: `identity-center/${sessionName}`, detail: `role/${role}` },
        };
      return { ok: true, caller: { principal: `role/${role}`, detail: sessionName || undefined } };
    }
    case 'IAMUser': {
      const name = identity.userName ?? lastSegment(arnPath);
      return name
        ? { ok: true, caller: { principal: `user/${name}` } }
        : { ok: false, reason: 'IAMUser identity names no user' };
    }
    case 'Root':
      return { ok: true, caller: { principal: 'root' } };
    case 'FederatedUser': {
      const name = arnPath.startsWith('federated-user/')
        ? arnPath.slice('federated-user/'.length)
        : '';
      return name
        ? { ok: true, caller: { principal: `federated-user/${name}` } }
        : { ok: false, reason: 'FederatedUser identity names no user' };
    }
    case 'IdentityCenterUser': {
      const userId = identity.onBehalfOf?.userId;
      return userId
        ? { ok: true, caller: { principal: `identity-center/${userId}` } }
        : { ok: false, reason: 'IdentityCenterUser identity has no onBehalfOf.userId' };
    }
    case 'AWSService':
      return identity.invokedBy
        ? { ok: true, caller: { principal: `service/${identity.invokedBy}` } }
        : { ok: false, reason: 'AWSService identity has no invokedBy' };
    default:
      return {
        ok: false,
        reason: `userIdentity type ${describe(identity.type ?? '(none)')} is not attributed`,
      };
  }
}

/** A bounded, printable rendering of untrusted text for an error message. */
const describe = (text: string): string => JSON.stringify(text.slice(0, 80));

/**
 * The principal an IAM or STS ARN is counted as, normalised as {@link callerOfIdentity} does for
 * the account recording the calls: `arn:aws:iam::123456789012:role/etl/dbt-runner` and
 * `arn:aws:sts::123456789012:assumed-role/dbt-runner/session` are `role/dbt-runner`; undefined for
 * an ARN that names no principal of these kinds.
 */
export function principalOfArn(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(.+)$/.exec(arn);
  const resource = match?.[2];
  if (resource === undefined) return undefined;
  if (resource === 'root') return 'root';
  const [kind, ...rest] = resource.split('/');
  const last = rest[rest.length - 1];
  let principal: string | undefined;
  if (kind === 'role' && last) principal = `role/${last}`;
  else if (kind === 'user' && last) principal = `user/${last}`;
  else if (kind === 'federated-user' && rest.length > 0)
    principal = `federated-user/${rest.join('/')}`;
  else if (kind === 'assumed-role' && rest[0]) {
    const [role, ...session] = rest;
    principal =
      role.startsWith(IDENTITY_CENTER_ROLE_PREFIX) && session.length > 0
        ? `identity-center/${session.join('/')}`
        : `role/${role}`;
  }
  return principal !== undefined && PRINCIPAL_PATTERN.test(principal) ? principal : undefined;
}
