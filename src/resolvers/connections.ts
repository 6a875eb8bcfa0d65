import { Kind, type GraphQLResolveInfo, type SelectionNode } from "graphql";
import { badUserInput } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, "first");
  }
  return first;
}

/** Cursors are opaque to clients: a position in a list, base64url-encoded. */
export function offsetCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function offsetFromCursor(after: string | null | undefined): number {
  if (after == null) return 0;
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(after, "base64url").toString("utf8"));
  if (!match?.[1]) throw badUserInput("after is not a cursor this API gave out", "after");
  return Number(match[1]);
}

export function slicePage<T>(items: T[], first: number | null | undefined, after: string | null | undefined) {
  const size = pageSize(first);
  const start = offsetFromCursor(after);
  const nodes = items.slice(start, start + size);
  const end = start + nodes.length;
  return {
    nodes,
    totalCount: items.length,
    pageInfo: { hasNextPage: end < items.length, endCursor: nodes.length > 0 ? offsetCursor(end) : null },
  };
}

/** Whether the query asks for a field directly under the one being resolved (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      return fragment ? visit(fragment.selectionSet.selections) : false;
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet?.selections ?? []));
}
