import type {
  BatchGetQueryExecutionInput,
  BatchGetQueryExecutionOutput,
  CapacityReservation,
  EngineConfiguration,
  GetCapacityAssignmentConfigurationInput,
  GetCapacityAssignmentConfigurationOutput,
  GetCapacityReservationInput,
  GetCapacityReservationOutput,
  GetQueryExecutionInput,
  GetQueryExecutionOutput,
  GetResourceDashboardRequest,
  GetSessionRequest,
  GetWorkGroupInput,
  GetWorkGroupOutput,
  ListCapacityReservationsInput,
  ListCapacityReservationsOutput,
  ListQueryExecutionsInput,
  ListQueryExecutionsOutput,
  ListSessionsRequest,
  ListWorkGroupsInput,
  ListWorkGroupsOutput,
  QueryExecution,
  QueryExecutionState,
  ResultConfiguration,
  ResultConfigurationUpdates,
  StopQueryExecutionInput,
  StopQueryExecutionOutput,
  TerminateSessionRequest,
  UnprocessedQueryExecutionId,
  UpdateCapacityReservationInput,
  UpdateCapacityReservationOutput,
  UpdateWorkGroupInput,
  UpdateWorkGroupOutput,
  WorkGroup,
  WorkGroupConfiguration,
  WorkGroupSummary,
} from '@aws-sdk/client-athena';
import { SimulatedSparkSessions } from './athena-sessions.js';
import {
  AwsServiceError,
  operation,
  type ServiceErrorFactory,
  startAwsJsonServer,
} from './aws-json-server.js';
import { type FaultControls, withFaultControls } from './fault-injection.js';
import { keysetPage } from './keyset-page.js';

/** Classification Athena reads provisioned-capacity DPU bounds from. */
export const ENGINE_PROPERTIES_CLASSIFICATION = 'athena-query-engine-properties';

const DPU_PROPERTIES = ['max-dpu-count', 'min-dpu-count'] as const;
const MIN_DPU = 4;
const MAX_DPU = 124;
const DPU_STEP = 4;
/** Athena rejects per-query scan limits under 10 MB. */
const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;
/** A Spark engine's `MaxConcurrentDpus` range (API reference, EngineConfiguration). */
const MIN_CONCURRENT_DPUS = 2;
const MAX_CONCURRENT_DPUS = 5000;
const MAX_BATCH_IDS = 50;
const MAX_PAGE_SIZE = 50;
const DEFAULT_ENGINE_VERSION = 'Athena engine version 3';
/**
 * What the stand-in reports for an id it does not know. Real Athena's code for this case is
 * not documented and could not be found in public material, so this is an assumption.
 */
export const UNKNOWN_ID_ERROR_CODE = 'INVALID_INPUT';

/** The `max-dpu-count` of an engine configuration's DPU classification, if set. */
export function maxDpuCountOf(engine: EngineConfiguration | undefined): number | undefined {
  const classification = engine?.Classifications?.find(
    (candidate) => candidate.Name === ENGINE_PROPERTIES_CLASSIFICATION,
  );
  const raw = classification?.Properties?.['max-dpu-count'];
  return raw === undefined ? undefined : Number(raw);
}

/**
 * The `max-dpu-count` Athena applies to a query on a capacity-reservation workgroup: the query's
 * own (the `EngineConfiguration` of its StartQueryExecution) wins over the workgroup's unless the
 * workgroup enforces its configuration ("Override client-side settings"). Athena user guide,
 * "Control capacity usage".
 */
export function effectiveMaxDpuCount(
  workGroup: WorkGroup,
  queryEngine: EngineConfiguration | undefined,
): number | undefined {
  const workgroupMax = maxDpuCountOf(workGroup.Configuration?.EngineConfiguration);
  if (workGroup.Configuration?.EnforceWorkGroupConfiguration === true) return workgroupMax;
  return maxDpuCountOf(queryEngine) ?? workgroupMax;
}

/** A workgroup to seed; unset fields get the defaults a new real workgroup has. */
export type WorkGroupInit = Omit<WorkGroup, 'Name'> & { readonly Name: string };

/** One UpdateWorkGroup call that reached the account, accepted or not. */
export interface UpdateWorkGroupRecord {
  readonly input: UpdateWorkGroupInput;
  readonly at: Date;
  /** `Code: message` when the call was rejected. */
  readonly error?: string;
}

/** A capacity reservation to seed; unset fields: ACTIVE, allocated = target, created now. */
export type CapacityReservationInit = Partial<CapacityReservation> & {
  readonly Name: string;
  readonly TargetDpus: number;
};

/** At most 20 workgroups per capacity assignment configuration (Athena user guide). */
const MAX_ASSIGNED_WORKGROUPS = 20;
const MIN_TARGET_DPUS = 4;

/** One StopQueryExecution call that reached the account, accepted or not. */
export interface StopQueryExecutionRecord {
  readonly queryExecutionId: string;
  readonly at: Date;
  /** State before the call, when the execution existed. */
  readonly previousState?: QueryExecutionState;
  readonly error?: string;
}

interface StoredExecution {
  execution: QueryExecution;
  /** Insertion order, the tie-breaker between equal submission times. */
  readonly sequence: number;
}

interface PendingUnprocessed {
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * The state behind the Athena stand-in: workgroups and query executions that tests and the
 * simulator fill in directly, plus the operations the stand-in serves over the wire. Every
 * account starts with the `primary` workgroup, as real accounts do.
 */
export class SimulatedAthenaAccount {
  /** UpdateWorkGroup calls in arrival order. */
  readonly updateWorkGroupCalls: UpdateWorkGroupRecord[] = [];
  /** StopQueryExecution calls in arrival order. */
  readonly stopQueryExecutionCalls: StopQueryExecutionRecord[] = [];

  /** UpdateCapacityReservation calls in arrival order. */
  readonly updateCapacityReservationCalls: {
    readonly input: UpdateCapacityReservationInput;
    readonly at: Date;
    readonly error?: string;
  }[] = [];

  private readonly workGroups = new Map<string, WorkGroup>();
  private readonly capacityReservations = new Map<string, CapacityReservation>();
  /** Reservation name → the workgroups its assignment configuration lists. */
  private readonly capacityAssignments = new Map<string, string[]>();
  private readonly executions = new Map<string, StoredExecution>();
  /** Per id, the unprocessed answers still to give, oldest first: each call to unprocessedOnce adds one. */
  private readonly unprocessed = new Map<string, PendingUnprocessed[]>();
  private nextSequence = 0;
  /** Spark sessions of the account's Spark workgroups (ListSessions, GetSession, ...). */
  readonly sessions: SimulatedSparkSessions;

  constructor(private readonly clock: () => Date = () => new Date()) {
    this.addWorkGroup({ Name: 'primary' });
    this.sessions = new SimulatedSparkSessions(clock, (name) => this.workGroups.get(name));
  }

  /** Adds or replaces a workgroup; returns the stored copy. */
  addWorkGroup(init: WorkGroupInit): WorkGroup {
    const defaults = defaultWorkGroup(init.Name, this.clock());
    const workGroup: WorkGroup = {
      ...defaults,
      ...structuredClone(init),
      Configuration: { ...defaults.Configuration, ...structuredClone(init.Configuration) },
    };
    this.workGroups.set(init.Name, workGroup);
    return structuredClone(workGroup);
  }

  removeWorkGroup(name: string): boolean {
    return this.workGroups.delete(name);
  }

  /** A copy of the workgroup as GetWorkGroup would return it. */
  getWorkGroup(name: string): WorkGroup | undefined {
    const workGroup = this.workGroups.get(name);
    return workGroup === undefined ? undefined : structuredClone(workGroup);
  }

  workGroupNames(): string[] {
    return [...this.workGroups.keys()].sort();
  }

  /**
   * Adds or replaces an execution (by `QueryExecutionId`); `WorkGroup` defaults to `primary`
   * and must exist, since real executions always belong to an existing workgroup.
   */
  putQueryExecution(execution: QueryExecution): void {
    const id = execution.QueryExecutionId;
    if (id === undefined || id === '') {
      throw new Error('putQueryExecution needs a QueryExecutionId');
    }
    const workGroup = execution.WorkGroup ?? 'primary';
    if (!this.workGroups.has(workGroup)) {
      throw new Error(`putQueryExecution: workgroup ${workGroup} does not exist; add it first`);
    }
    const stored = structuredClone({ ...execution, WorkGroup: workGroup });
    const existing = this.executions.get(id);
    this.executions.set(id, {
      execution: stored,
      sequence: existing?.sequence ?? this.nextSequence++,
    });
  }

  /** A copy of the execution, or undefined. */
  getQueryExecution(id: string): QueryExecution | undefined {
    const stored = this.executions.get(id);
    return stored === undefined ? undefined : structuredClone(stored.execution);
  }

  /** Copies of all executions, optionally of one workgroup, newest submission first. */
  queryExecutions(workGroup?: string): QueryExecution[] {
    return this.sortedExecutions(workGroup).map((stored) => structuredClone(stored.execution));
  }

  /**
   * Makes the next BatchGetQueryExecution that asks for each id report it in
   * `UnprocessedQueryExecutionIds` once (call it twice for twice), as Athena does under internal pressure. The default
   * code is made up: Athena does not document the codes it uses here.
   */
  unprocessedOnce(
    ids: readonly string[],
    errorCode = 'INTERNAL_FAILURE',
    errorMessage = 'Internal error, please retry',
  ): void {
    for (const id of ids) {
      this.unprocessed.set(id, [...(this.unprocessed.get(id) ?? []), { errorCode, errorMessage }]);
    }
  }

  /** Serves BatchGetQueryExecution: found executions plus unknown or flagged ids. */
  batchGetQueryExecution(input: BatchGetQueryExecutionInput): BatchGetQueryExecutionOutput {
    const ids = input.QueryExecutionIds;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '')) {
      throw invalidRequest('QueryExecutionIds must be a list of non-empty strings');
    }
    if (ids.length < 1 || ids.length > MAX_BATCH_IDS) {
      throw invalidRequest(
        `1 validation error detected: Value at 'queryExecutionIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_IDS} and greater than or equal to 1`,
      );
    }
    const found: QueryExecution[] = [];
    const unprocessed: UnprocessedQueryExecutionId[] = [];
    for (const id of ids) {
      const queue = this.unprocessed.get(id) ?? [];
      const pending = queue.shift();
      if (pending !== undefined) {
        if (queue.length === 0) this.unprocessed.delete(id);
        unprocessed.push({
          QueryExecutionId: id,
          ErrorCode: pending.errorCode,
          ErrorMessage: pending.errorMessage,
        });
        continue;
      }
      const stored = this.executions.get(id);
      if (stored === undefined) {
        unprocessed.push({
          QueryExecutionId: id,
          ErrorCode: UNKNOWN_ID_ERROR_CODE,
          ErrorMessage: notFoundMessage(id),
        });
        continue;
      }
      found.push(structuredClone(stored.execution));
    }
    return { QueryExecutions: found, UnprocessedQueryExecutionIds: unprocessed };
  }

  /** Serves GetQueryExecution. */
  getQueryExecutionOperation(input: GetQueryExecutionInput): GetQueryExecutionOutput {
    const id = requireString(input.QueryExecutionId, 'QueryExecutionId');
    const stored = this.executions.get(id);
    if (stored === undefined) {
      throw invalidRequest(notFoundMessage(id));
    }
    return { QueryExecution: structuredClone(stored.execution) };
  }

  /** Serves ListQueryExecutions: ids of one workgroup (default `primary`), newest first. */
  listQueryExecutions(input: ListQueryExecutionsInput): ListQueryExecutionsOutput {
    const workGroup = optionalString(input.WorkGroup, 'WorkGroup') ?? 'primary';
    if (!this.workGroups.has(workGroup)) {
      throw invalidRequest(`WorkGroup ${workGroup} is not found.`);
    }
    // The API allows 0 but does not say what it means; treating it as "default" keeps SDK
    // paginators from spinning on empty pages.
    const pageSize = pageSizeOf(input.MaxResults, 0, MAX_PAGE_SIZE) || MAX_PAGE_SIZE;
    let isAfterCursor: ((stored: StoredExecution) => boolean) | undefined;
    if (input.NextToken !== undefined) {
      const cursor = decodeToken(input.NextToken);
      if (cursor.w !== workGroup || typeof cursor.t !== 'number' || typeof cursor.s !== 'number') {
        throw invalidRequest('Invalid NextToken');
      }
      const { t, s } = cursor;
      isAfterCursor = (stored) => compareKey(keyOf(stored), { t, s }) > 0;
    }
    const page = keysetPage(this.sortedExecutions(workGroup), isAfterCursor, pageSize);
    return {
      QueryExecutionIds: page.items.map((stored) => stored.execution.QueryExecutionId ?? ''),
      ...(page.nextAfter === undefined
        ? {}
        : { NextToken: encodeToken({ w: workGroup, ...keyOf(page.nextAfter) }) }),
    };
  }

  /** Serves ListWorkGroups: summaries in name order. */
  listWorkGroups(input: ListWorkGroupsInput): ListWorkGroupsOutput {
    const pageSize = pageSizeOf(input.MaxResults, 1, MAX_PAGE_SIZE) || MAX_PAGE_SIZE;
    const page = keysetPage(this.workGroupNames(), nameAfter(input.NextToken, 'n'), pageSize);
    return {
      WorkGroups: page.items.map((name) => summaryOf(this.requireWorkGroup(name))),
      ...(page.nextAfter === undefined ? {} : { NextToken: encodeToken({ n: page.nextAfter }) }),
    };
  }

  /** Serves GetWorkGroup. */
  getWorkGroupOperation(input: GetWorkGroupInput): GetWorkGroupOutput {
    const name = requireString(input.WorkGroup, 'WorkGroup');
    return { WorkGroup: structuredClone(this.requireWorkGroup(name)) };
  }

  /**
   * Applies UpdateWorkGroup with the service's merge rules: only the fields present change,
   * `Remove*` flags clear, `EngineConfiguration` replaces its own given fields (its
   * `Classifications` list as a whole). Invalid updates change nothing.
   */
  updateWorkGroup(input: UpdateWorkGroupInput): UpdateWorkGroupOutput {
    const at = this.clock();
    const recorded = structuredClone(input);
    try {
      const name = requireString(input.WorkGroup, 'WorkGroup');
      const next = structuredClone(this.requireWorkGroup(name));
      if (input.Description !== undefined) {
        next.Description = requireString(input.Description, 'Description', true);
      }
      if (input.State !== undefined) {
        if (input.State !== 'ENABLED' && input.State !== 'DISABLED') {
          throw invalidRequest(`State must be ENABLED or DISABLED, got ${String(input.State)}`);
        }
        next.State = input.State;
      }
      if (input.ConfigurationUpdates !== undefined) {
        next.Configuration = applyConfigurationUpdates(
          next.Configuration ?? {},
          input.ConfigurationUpdates,
        );
      }
      this.workGroups.set(name, next);
      this.updateWorkGroupCalls.push({ input: recorded, at });
      return {};
    } catch (error) {
      this.updateWorkGroupCalls.push({ input: recorded, at, error: describe(error) });
      throw error;
    }
  }

  /** Cancels a QUEUED or RUNNING execution; a no-op for one that already finished. */
  stopQueryExecution(input: StopQueryExecutionInput): StopQueryExecutionOutput {
    const at = this.clock();
    const id = typeof input.QueryExecutionId === 'string' ? input.QueryExecutionId : '';
    const stored = this.executions.get(id);
    const previousState = stored?.execution.Status?.State;
    try {
      requireString(input.QueryExecutionId, 'QueryExecutionId');
      if (stored === undefined) {
        throw invalidRequest(notFoundMessage(id));
      }
      if (previousState === 'QUEUED' || previousState === 'RUNNING') {
        stored.execution.Status = {
          ...stored.execution.Status,
          State: 'CANCELLED',
          CompletionDateTime: at,
        };
      }
      this.stopQueryExecutionCalls.push({
        queryExecutionId: id,
        at,
        ...(previousState === undefined ? {} : { previousState }),
      });
      return {};
    } catch (error) {
      this.stopQueryExecutionCalls.push({
        queryExecutionId: id,
        at,
        ...(previousState === undefined ? {} : { previousState }),
        error: describe(error),
      });
      throw error;
    }
  }

  /** Adds or replaces a capacity reservation; returns the stored copy. */
  putCapacityReservation(init: CapacityReservationInit): CapacityReservation {
    const now = this.clock();
    const reservation: CapacityReservation = {
      Status: 'ACTIVE',
      AllocatedDpus: init.TargetDpus,
      CreationTime: now,
      LastSuccessfulAllocationTime: now,
      ...structuredClone(init),
    };
    this.capacityReservations.set(init.Name, reservation);
    return structuredClone(reservation);
  }

  /** A copy of the reservation, or undefined. */
  getCapacityReservation(name: string): CapacityReservation | undefined {
    const reservation = this.capacityReservations.get(name);
    return reservation === undefined ? undefined : structuredClone(reservation);
  }

  /**
   * Changes a reservation as Athena would over time (an allocation completing, a cancellation):
   * the fields given replace the stored ones.
   */
  changeCapacityReservation(name: string, change: Partial<CapacityReservation>): void {
    const reservation = this.requireCapacityReservation(name);
    this.capacityReservations.set(name, { ...reservation, ...structuredClone(change) });
  }

  /** Removes a reservation, as Athena eventually stops listing a cancelled one. */
  removeCapacityReservation(name: string): void {
    this.capacityReservations.delete(name);
    this.capacityAssignments.delete(name);
  }

  /**
   * Replaces a reservation's assignment configuration (PutCapacityAssignmentConfiguration): at
   * most 20 workgroups, each existing and in no other reservation's configuration.
   */
  assignWorkGroups(reservation: string, workGroups: readonly string[]): void {
    this.requireCapacityReservation(reservation);
    if (workGroups.length > MAX_ASSIGNED_WORKGROUPS)
      throw new Error(`a reservation serves at most ${MAX_ASSIGNED_WORKGROUPS} workgroups`);
    for (const name of workGroups) {
      if (!this.workGroups.has(name)) throw new Error(`workgroup ${name} does not exist`);
      for (const [other, assigned] of this.capacityAssignments)
        if (other !== reservation && assigned.includes(name))
          throw new Error(`workgroup ${name} is already assigned to ${other}`);
    }
    this.capacityAssignments.set(reservation, [...workGroups]);
  }

  /** Serves ListCapacityReservations: whole reservations in name order. */
  listCapacityReservations(input: ListCapacityReservationsInput): ListCapacityReservationsOutput {
    const pageSize = pageSizeOf(input.MaxResults, 1, MAX_PAGE_SIZE) || MAX_PAGE_SIZE;
    const names = [...this.capacityReservations.keys()].sort();
    const page = keysetPage(names, nameAfter(input.NextToken, 'r'), pageSize);
    return {
      CapacityReservations: page.items.map((name) =>
        structuredClone(this.requireCapacityReservation(name)),
      ),
      ...(page.nextAfter === undefined ? {} : { NextToken: encodeToken({ r: page.nextAfter }) }),
    };
  }

  /** Serves GetCapacityReservation. */
  getCapacityReservationOperation(
    input: GetCapacityReservationInput,
  ): GetCapacityReservationOutput {
    const name = requireString(input.Name, 'Name');
    return { CapacityReservation: structuredClone(this.requireCapacityReservation(name)) };
  }

  /**
   * Serves GetCapacityAssignmentConfiguration. For a reservation without a configuration
   * Athena's answer is undocumented ("if one exists"): the stand-in returns an empty one.
   */
  getCapacityAssignmentConfiguration(
    input: GetCapacityAssignmentConfigurationInput,
  ): GetCapacityAssignmentConfigurationOutput {
    const name = requireString(input.CapacityReservationName, 'CapacityReservationName');
    this.requireCapacityReservation(name);
    const assigned = this.capacityAssignments.get(name) ?? [];
    return {
      CapacityAssignmentConfiguration: {
        CapacityReservationName: name,
        CapacityAssignments: assigned.length === 0 ? [] : [{ WorkGroupNames: [...assigned] }],
      },
    };
  }

  /**
   * Serves UpdateCapacityReservation: a new TargetDpus (at least 4) is requested; the
   * allocation follows only when a test or the simulation completes it (changeCapacityReservation),
   * as real requests take up to 30 minutes and may fail.
   */
  updateCapacityReservation(
    input: UpdateCapacityReservationInput,
  ): UpdateCapacityReservationOutput {
    const at = this.clock();
    const recorded = structuredClone(input);
    try {
      const name = requireString(input.Name, 'Name');
      const reservation = this.requireCapacityReservation(name);
      const target = input.TargetDpus;
      if (typeof target !== 'number' || !Number.isInteger(target) || target < MIN_TARGET_DPUS)
        throw invalidRequest(`TargetDpus must be an integer of at least ${MIN_TARGET_DPUS}`);
      if (reservation.Status !== 'ACTIVE')
        throw invalidRequest(`Capacity reservation ${name} is ${reservation.Status}`);
      this.capacityReservations.set(name, {
        ...reservation,
        TargetDpus: target,
        Status: 'UPDATE_PENDING',
        LastAllocation: { Status: 'PENDING', RequestTime: at },
      });
      this.updateCapacityReservationCalls.push({ input: recorded, at });
      return {};
    } catch (error) {
      this.updateCapacityReservationCalls.push({ input: recorded, at, error: describe(error) });
      throw error;
    }
  }

  private requireCapacityReservation(name: string): CapacityReservation {
    const reservation = this.capacityReservations.get(name);
    if (reservation === undefined)
      throw invalidRequest(`Capacity reservation ${name} is not found.`);
    return reservation;
  }

  private requireWorkGroup(name: string): WorkGroup {
    const workGroup = this.workGroups.get(name);
    if (workGroup === undefined) {
      throw invalidRequest(`WorkGroup ${name} is not found.`);
    }
    return workGroup;
  }

  private sortedExecutions(workGroup?: string): StoredExecution[] {
    return [...this.executions.values()]
      .filter((stored) => workGroup === undefined || stored.execution.WorkGroup === workGroup)
      .sort((a, b) => compareKey(keyOf(a), keyOf(b)));
  }
}

/** Options for {@link startAthenaStandIn}. */
export interface AthenaStandInOptions {
  /** Port on 127.0.0.1; a free one when absent or 0. */
  readonly port?: number;
  /** Seed for the fault dice. */
  readonly seed?: number;
  /** Time source for creation, update and cancellation stamps (e.g. a simulated clock). */
  readonly clock?: () => Date;
  /** Serve an existing account, e.g. to keep state across a restart. */
  readonly account?: SimulatedAthenaAccount;
}

/** A running Athena stand-in. */
export interface AthenaStandIn extends FaultControls {
  /** Pass as the client's `endpoint` or as `AWS_ENDPOINT_URL_ATHENA`. */
  readonly endpoint: string;
  readonly account: SimulatedAthenaAccount;
  close(): Promise<void>;
}

/**
 * Starts an Athena endpoint speaking awsJson1_1 (`X-Amz-Target: AmazonAthena.<Operation>`)
 * for the operations the cost monitor uses, backed by a {@link SimulatedAthenaAccount}.
 */
export async function startAthenaStandIn(
  options: AthenaStandInOptions = {},
): Promise<AthenaStandIn> {
  const account = options.account ?? new SimulatedAthenaAccount(options.clock);
  const handlers = {
    BatchGetQueryExecution: operation((input: BatchGetQueryExecutionInput) =>
      account.batchGetQueryExecution(input),
    ),
    GetQueryExecution: operation((input: GetQueryExecutionInput) =>
      account.getQueryExecutionOperation(input),
    ),
    ListQueryExecutions: operation((input: ListQueryExecutionsInput) =>
      account.listQueryExecutions(input),
    ),
    ListWorkGroups: operation((input: ListWorkGroupsInput) => account.listWorkGroups(input)),
    GetWorkGroup: operation((input: GetWorkGroupInput) => account.getWorkGroupOperation(input)),
    UpdateWorkGroup: operation((input: UpdateWorkGroupInput) => account.updateWorkGroup(input)),
    StopQueryExecution: operation((input: StopQueryExecutionInput) =>
      account.stopQueryExecution(input),
    ),
    ListCapacityReservations: operation((input: ListCapacityReservationsInput) =>
      account.listCapacityReservations(input),
    ),
    GetCapacityReservation: operation((input: GetCapacityReservationInput) =>
      account.getCapacityReservationOperation(input),
    ),
    GetCapacityAssignmentConfiguration: operation(
      (input: GetCapacityAssignmentConfigurationInput) =>
        account.getCapacityAssignmentConfiguration(input),
    ),
    UpdateCapacityReservation: operation((input: UpdateCapacityReservationInput) =>
      account.updateCapacityReservation(input),
    ),
    ListSessions: operation((input: ListSessionsRequest) => account.sessions.listSessions(input)),
    GetSession: operation((input: GetSessionRequest) =>
      account.sessions.getSessionOperation(input),
    ),
    TerminateSession: operation((input: TerminateSessionRequest) =>
      account.sessions.terminateSession(input),
    ),
    GetResourceDashboard: operation((input: GetResourceDashboardRequest) =>
      account.sessions.getResourceDashboard(input),
    ),
  };
  const server = await startAwsJsonServer({
    jsonVersion: '1.1',
    targetPrefix: 'AmazonAthena',
    handlers,
    errors: athenaErrors,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  return withFaultControls(server.injector, {
    endpoint: server.endpoint,
    account,
    close: () => server.close(),
  });
}

const athenaErrors: ServiceErrorFactory = {
  // Throttling comes from the AWS front end, not Athena's model, hence lower-case `message`.
  throttle: () => new AwsServiceError('ThrottlingException', 'Rate exceeded', 400),
  serverError: () =>
    new AwsServiceError('InternalServerException', 'Internal service error', 500, {
      messageKey: 'Message',
    }),
  fromCode: (code) => {
    switch (code) {
      case 'ThrottlingException':
        return athenaErrors.throttle();
      case 'InternalServerException':
        return athenaErrors.serverError();
      case 'InvalidRequestException':
        return invalidRequest('Injected invalid request');
      case 'TooManyRequestsException':
        return new AwsServiceError('TooManyRequestsException', 'Too many requests', 400, {
          messageKey: 'Message',
          fields: { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
        });
      case 'ServiceUnavailableException':
        return new AwsServiceError(code, 'Service unavailable', 503);
      default:
        return new AwsServiceError(code, `Injected ${code}`, 400);
    }
  },
};

function invalidRequest(message: string, athenaErrorCode = 'INVALID_INPUT'): AwsServiceError {
  return new AwsServiceError('InvalidRequestException', message, 400, {
    messageKey: 'Message',
    fields: { AthenaErrorCode: athenaErrorCode },
  });
}

function notFoundMessage(id: string): string {
  return `QueryExecution ${id} was not found`;
}

function describe(error: unknown): string {
  if (error instanceof AwsServiceError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function requireString(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw invalidRequest(`${field} is required and must be a string`);
  }
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : requireString(value, field);
}

function pageSizeOf(value: unknown, min: number, max: number): number {
  if (value === undefined) {
    return max;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(`MaxResults must be an integer between ${min} and ${max}`);
  }
  return value;
}

interface SortKey {
  readonly t: number;
  readonly s: number;
}

function keyOf(stored: StoredExecution): SortKey {
  const submitted = stored.execution.Status?.SubmissionDateTime;
  return { t: submitted instanceof Date ? submitted.getTime() : 0, s: stored.sequence };
}

/** Newest submission first; among equal times the later-added execution first. */
function compareKey(a: SortKey, b: SortKey): number {
  return b.t - a.t || b.s - a.s;
}

function encodeToken(cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor of a list in name order: names after the one the token holds under `field`. */
function nameAfter(token: unknown, field: string): ((name: string) => boolean) | undefined {
  if (token === undefined) return undefined;
  const after = decodeToken(token)[field];
  if (typeof after !== 'string') throw invalidRequest('Invalid NextToken');
  return (name) => name > after;
}

function decodeToken(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') {
    throw invalidRequest('Invalid NextToken');
  }
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded)) {
      return decoded as Record<string, unknown>;
    }
  } catch {
    // fall through to the service's error
  }
  throw invalidRequest('Invalid NextToken');
}

function defaultWorkGroup(name: string, now: Date): WorkGroup {
  return {
    Name: name,
    State: 'ENABLED',
    CreationTime: now,
    Configuration: {
      ResultConfiguration: {},
      EnforceWorkGroupConfiguration: false,
      PublishCloudWatchMetricsEnabled: true,
      RequesterPaysEnabled: false,
      EngineVersion: {
        SelectedEngineVersion: 'AUTO',
        EffectiveEngineVersion: DEFAULT_ENGINE_VERSION,
      },
      EnableMinimumEncryptionConfiguration: false,
    },
  };
}

function summaryOf(workGroup: WorkGroup): WorkGroupSummary {
  return structuredClone({
    Name: workGroup.Name,
    State: workGroup.State,
    Description: workGroup.Description,
    CreationTime: workGroup.CreationTime,
    EngineVersion: workGroup.Configuration?.EngineVersion,
    IdentityCenterApplicationArn: workGroup.IdentityCenterApplicationArn,
  });
}

/** Update fields that simply replace the configuration member of the same name. */
const REPLACED_CONFIGURATION_FIELDS = [
  'EnforceWorkGroupConfiguration',
  'PublishCloudWatchMetricsEnabled',
  'RequesterPaysEnabled',
  'AdditionalConfiguration',
  'ExecutionRole',
  'CustomerContentEncryptionConfiguration',
  'EnableMinimumEncryptionConfiguration',
  'QueryResultsS3AccessGrantsConfiguration',
  'MonitoringConfiguration',
] as const;

function applyConfigurationUpdates(
  current: WorkGroupConfiguration,
  updates: NonNullable<UpdateWorkGroupInput['ConfigurationUpdates']>,
): WorkGroupConfiguration {
  const next: WorkGroupConfiguration = structuredClone(current);
  const target = next as Record<string, unknown>;
  for (const field of REPLACED_CONFIGURATION_FIELDS) {
    if (updates[field] !== undefined) {
      target[field] = structuredClone(updates[field]);
    }
  }
  if (
    updates.BytesScannedCutoffPerQuery !== undefined &&
    updates.RemoveBytesScannedCutoffPerQuery
  ) {
    throw invalidRequest(
      'BytesScannedCutoffPerQuery and RemoveBytesScannedCutoffPerQuery cannot both be set',
    );
  }
  if (updates.BytesScannedCutoffPerQuery !== undefined) {
    const cutoff = updates.BytesScannedCutoffPerQuery;
    if (!Number.isInteger(cutoff) || cutoff < MIN_BYTES_SCANNED_CUTOFF) {
      throw invalidRequest(
        `BytesScannedCutoffPerQuery must be an integer of at least ${MIN_BYTES_SCANNED_CUTOFF}`,
      );
    }
    next.BytesScannedCutoffPerQuery = cutoff;
  }
  if (updates.RemoveBytesScannedCutoffPerQuery === true) {
    delete next.BytesScannedCutoffPerQuery;
  }
  if (updates.RemoveCustomerContentEncryptionConfiguration === true) {
    delete next.CustomerContentEncryptionConfiguration;
  }
  if (updates.ResultConfigurationUpdates !== undefined) {
    next.ResultConfiguration = applyResultConfigurationUpdates(
      next.ResultConfiguration ?? {},
      updates.ResultConfigurationUpdates,
    );
  }
  if (updates.EngineVersion !== undefined) {
    const selected = updates.EngineVersion.SelectedEngineVersion ?? 'AUTO';
    next.EngineVersion = {
      SelectedEngineVersion: selected,
      EffectiveEngineVersion: selected === 'AUTO' ? DEFAULT_ENGINE_VERSION : selected,
    };
  }
  if (updates.EngineConfiguration !== undefined) {
    const engine: EngineConfiguration = {
      ...next.EngineConfiguration,
      ...structuredClone(updates.EngineConfiguration),
    };
    validateDpuBounds(engine);
    next.EngineConfiguration = engine;
  }
  return next;
}

function applyResultConfigurationUpdates(
  current: ResultConfiguration,
  updates: ResultConfigurationUpdates,
): ResultConfiguration {
  const next = structuredClone(current);
  const pairs = [
    ['OutputLocation', 'RemoveOutputLocation'],
    ['EncryptionConfiguration', 'RemoveEncryptionConfiguration'],
    ['ExpectedBucketOwner', 'RemoveExpectedBucketOwner'],
    ['AclConfiguration', 'RemoveAclConfiguration'],
  ] as const;
  const target = next as Record<string, unknown>;
  for (const [field, removeFlag] of pairs) {
    if (updates[field] !== undefined && updates[removeFlag] === true) {
      throw invalidRequest(`${field} and ${removeFlag} cannot both be set`);
    }
    if (updates[field] !== undefined) {
      target[field] = structuredClone(updates[field]);
    }
    if (updates[removeFlag] === true) {
      delete target[field];
    }
  }
  return next;
}

/**
 * Provisioned-capacity DPU bounds: 4..124 in steps of 4, min not above max; a Spark engine's
 * MaxConcurrentDpus 2..5000 and its coordinator and executor sizes whole DPUs.
 */
function validateDpuBounds(engine: EngineConfiguration): void {
  const concurrent = engine.MaxConcurrentDpus;
  if (
    concurrent !== undefined &&
    !(
      Number.isInteger(concurrent) &&
      concurrent >= MIN_CONCURRENT_DPUS &&
      concurrent <= MAX_CONCURRENT_DPUS
    )
  ) {
    throw invalidRequest(
      `MaxConcurrentDpus must be an integer between ${MIN_CONCURRENT_DPUS} and ${MAX_CONCURRENT_DPUS}, got ${String(concurrent)}`,
    );
  }
  for (const size of ['CoordinatorDpuSize', 'DefaultExecutorDpuSize'] as const) {
    const value = engine[size];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw invalidRequest(`${size} must be a whole number of DPUs, got ${String(value)}`);
    }
  }
  for (const classification of engine.Classifications ?? []) {
    if (classification.Name !== ENGINE_PROPERTIES_CLASSIFICATION) {
      continue;
    }
    const properties = classification.Properties ?? {};
    const values: Partial<Record<(typeof DPU_PROPERTIES)[number], number>> = {};
    for (const [key, raw] of Object.entries(properties)) {
      if (!(DPU_PROPERTIES as readonly string[]).includes(key)) {
        throw invalidRequest(
          `Unsupported property ${key} in ${ENGINE_PROPERTIES_CLASSIFICATION}; allowed: ${DPU_PROPERTIES.join(', ')}`,
        );
      }
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(value >= MIN_DPU && value <= MAX_DPU && value % DPU_STEP === 0)) {
        throw invalidRequest(
          `${key} must be a multiple of ${DPU_STEP} between ${MIN_DPU} and ${MAX_DPU}, got '${raw}'`,
        );
      }
      values[key as (typeof DPU_PROPERTIES)[number]] = value;
    }
    const min = values['min-dpu-count'];
    const max = values['max-dpu-count'];
    if (min !== undefined && max !== undefined && min > max) {
      throw invalidRequest(`min-dpu-count (${min}) must not exceed max-dpu-count (${max})`);
    }
  }
}
