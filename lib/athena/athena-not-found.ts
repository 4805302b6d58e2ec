/**
 * Whether Athena rejected a request because the resource it names does not exist. Athena has no
 * error code of its own for that: it answers an unknown workgroup or capacity reservation with
 * InvalidRequestException "... is not found" (or "does not exist").
 */
export function isAthenaNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'InvalidRequestException' &&
    /not (found|exist)/i.test(error.message)
  );
}
