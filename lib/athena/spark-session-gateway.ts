/**
 * Lists a Spark workgroup's active sessions and terminates one: all that disable-now needs of
 * Athena's session APIs.
 */
export interface SparkSessionGateway {
  /** Ids of the workgroup's sessions in an active state (ListSessions, every page). */
  listActiveSessionIds(workgroup: string): Promise<string[]>;
  /**
   * Sends TerminateSession; resolves to the state Athena answers. Running calculations are
   * stopped (they may show FAILED rather than STOPPED); an ended session is left as it is.
   */
  terminateSession(sessionId: string): Promise<string | undefined>;
}
