/**
 * One page of a list in key order, starting after the item the request's NextToken named (the
 * first item passing `isAfterCursor`), as AWS's list APIs page: items added or removed between
 * calls neither repeat nor shift a page. `nextAfter` is the page's last item when more follow,
 * for the next token; undefined on the last page.
 */
export function keysetPage<Item>(
  sorted: readonly Item[],
  isAfterCursor: ((item: Item) => boolean) | undefined,
  pageSize: number,
): { readonly items: Item[]; readonly nextAfter: Item | undefined } {
  let start = 0;
  if (isAfterCursor !== undefined) {
    start = sorted.findIndex(isAfterCursor);
    if (start === -1) start = sorted.length;
  }
  const items = sorted.slice(start, start + pageSize);
  return { items, nextAfter: start + pageSize < sorted.length ? items.at(-1) : undefined };
}
