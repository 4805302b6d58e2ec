/**
 * The AWS calls an esbuild bundle makes, read from the bundle itself (minified or not), so no
 * hand-kept list can drift from the code.
 *
 * AWS SDK v3 commands are built by each client's command builder,
 * `makeBuilder(params, "<service target>", "<Client>", ...)`, and declared as
 * `class extends builder(endpoint, middleware, "<Operation>", schema) {}`: the strings survive
 * minification. A command class in the bundle is not yet a call (esbuild keeps what a module's
 * top level references, e.g. lib-dynamodb's paginators keep its ScanCommand), so an operation
 * counts as called only where its class, or a lib-dynamodb document command wrapping it, is
 * instantiated with `new` outside that wrapper's constructor.
 */

/** One operation the bundle calls. */
export interface SdkCall {
  /** The SDK client, e.g. `DynamoDBClient`. */
  readonly client: string;
  /** The operation, e.g. `TransactWriteItems`. */
  readonly operation: string;
}

export interface BundleCalls {
  readonly calls: readonly SdkCall[];
  /**
   * The kinds of item of the TransactWriteItems the bundle builds (`Put`, `Update`, `Delete`,
   * `ConditionCheck`): IAM authorizes a transaction item by item.
   */
  readonly transactItemKinds: ReadonlySet<string>;
  /** Every string literal of the bundle: index names and the like show which are used. */
  readonly strings: ReadonlySet<string>;
}

const IDENTIFIER = String.raw`[A-Za-z_$][\w$]*`;

export function sdkCallsOf(bundle: string): BundleCalls {
  const builders = new Map<string, string>();
  const builderPattern = String.raw`(${IDENTIFIER})\s*=\s*${IDENTIFIER}\(\s*${IDENTIFIER}\s*,\s*"[\w.]+"\s*,\s*"(\w+Client)"`;
  for (const match of bundle.matchAll(new RegExp(builderPattern, 'g'))) {
    builders.set(match[1] as string, match[2] as string);
  }
  const commands = new Map<string, SdkCall>();
  const commandPattern = String.raw`(${IDENTIFIER})\s*=\s*class(?:\s+${IDENTIFIER})?\s+extends\s+(${IDENTIFIER})\(\s*${IDENTIFIER}\s*,\s*${IDENTIFIER}\s*,\s*"(\w+)"`;
  for (const match of bundle.matchAll(new RegExp(commandPattern, 'g'))) {
    const client = builders.get(match[2] as string);
    if (client !== undefined)
      commands.set(match[1] as string, { client, operation: match[3] as string });
  }
  if (builders.size > 0 && commands.size === 0) {
    throw new Error('the bundle has SDK clients but no command class matched: the SDK changed');
  }

  // lib-dynamodb document commands: `X = class extends Base { ... this.clientCommand = new C(`
  const wrappersOf = new Map<string, string[]>();
  for (const match of bundle.matchAll(
    new RegExp(String.raw`clientCommand\s*=\s*new\s+(${IDENTIFIER})\(`, 'g'),
  )) {
    const command = match[1] as string;
    const declarations = bundle
      .slice(0, match.index)
      .matchAll(new RegExp(String.raw`(${IDENTIFIER})\s*=\s*class\s+extends\b`, 'g'));
    const wrapper = [...declarations].at(-1)?.[1];
    if (wrapper !== undefined)
      wrappersOf.set(command, [...(wrappersOf.get(command) ?? []), wrapper]);
  }

  const instantiations = (name: string) =>
    [...bundle.matchAll(new RegExp(String.raw`new\s+${name.replaceAll('$', '\\$')}\(`, 'g'))]
      .length;
  const calls: SdkCall[] = [];
  for (const [name, call] of commands) {
    const wrappers = wrappersOf.get(name) ?? [];
    const direct = instantiations(name) - wrappers.length;
    if (direct > 0 || wrappers.some((wrapper) => instantiations(wrapper) > 0)) calls.push(call);
  }

  const transactItemKinds = new Set(
    [...bundle.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{\s*TableName\b/g)].map(
      (match) => match[1] as string,
    ),
  );
  const strings = new Set(
    [...bundle.matchAll(/"([^"\\\n]{1,200})"/g)].map((match) => match[1] as string),
  );
  return { calls, transactItemKinds, strings };
}
