/**
 * Every page of an AWS list call paged by `NextToken`: `fetch` is called with no token, then
 * with each page's `NextToken`, until a page has none (or an empty one). Unlike the SDK's
 * `paginate*` functions, the caller builds the command itself, so each bundle still names the
 * commands it sends (the IAM check of the deployed roles reads them from the bundle).
 */
export async function* tokenPages<Page extends { readonly NextToken?: string | undefined }>(
  fetch: (nextToken: string | undefined) => Promise<Page>,
): AsyncGenerator<Page> {
  let nextToken: string | undefined;
  do {
    const page = await fetch(nextToken);
    yield page;
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
}
