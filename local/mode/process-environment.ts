/**
 * The SDK clients of the function and of the CLI read their endpoints and credentials from
 * `process.env`: local mode and `--local` point them at the local stand-ins for as long as a run
 * or a command lasts.
 */

/** Sets variables (and removes `unset`); returns a function that puts everything back. */
export function setEnvironment(
  values: Readonly<Record<string, string>>,
  unset: readonly string[],
): () => void {
  const previous = new Map<string, string | undefined>();
  for (const key of [...Object.keys(values), ...unset]) previous.set(key, process.env[key]);
  for (const key of unset) delete process.env[key];
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
