/** A short description of an SDK or network error for logs and failure reasons; never a payload. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
