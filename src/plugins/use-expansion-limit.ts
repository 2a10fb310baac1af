import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface ExpansionLimitOptions {
  /**
   * Most fields a document may hold once every fragment spread is replaced by the fragment's selections (a fragment
   * spread twice counts twice), over all its operations. Depth, alias and token limits do not bound this: 40
   * fragments that each spread the previous one twice fit in 1 KB and expand to 2⁴⁰ fields.
   */
  maxFields: number;
}

/** What one selection set holds before expansion: its fields (at any depth) and the fragments it spreads. */
interface Shape {
  fields: number;
  spreads: string[];
}

/** Walks a selection set without recursion: a document's nesting is the caller's to choose. */
function shapeOf(selectionSet: SelectionSetNode): Shape {
  let fields = 0;
  const spreads: string[] = [];
  const pending = [selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        fields += 1;
        if (selection.selectionSet) pending.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push(selection.selectionSet);
      } else {
        spreads.push(selection.name.value);
      }
    }
  }
  return { fields, spreads };
}

const counted = new WeakMap<DocumentNode, number>();

/**
 * The number of fields `document`'s operations expand to, fragments spread, in time linear in the document: each
 * fragment's own count is computed once (memoized over the fragment graph, depth-first without recursion) and a spread
 * adds it. A spread of an unknown fragment, or of one on the current path (a cycle), adds nothing: validation refuses
 * both. Saturates at Number.MAX_SAFE_INTEGER. Memoized per document.
 */
export function expandedFieldCount(document: DocumentNode): number {
  const known = counted.get(document);
  if (known !== undefined) return known;
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const add = (a: number, b: number) => Math.min(a + b, Number.MAX_SAFE_INTEGER);
  const shapes = new Map<string, Shape>();
  const totals = new Map<string, number>();
  const onPath = new Set<string>();
  const total = (root: string): number => {
    const done = totals.get(root);
    if (done !== undefined) return done;
    // Each frame: a fragment and how many of its spreads are settled.
    const stack: { name: string; shape: Shape | undefined; next: number }[] = [];
    const enter = (name: string) => {
      const fragment = fragments.get(name);
      let shape = shapes.get(name);
      if (!shape && fragment) {
        shape = shapeOf(fragment.selectionSet);
        shapes.set(name, shape);
      }
      onPath.add(name);
      stack.push({ name, shape, next: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      const spreads = frame.shape?.spreads ?? [];
      const child = spreads[frame.next];
      if (child !== undefined && !totals.has(child) && !onPath.has(child)) {
        enter(child);
        continue;
      }
      if (child !== undefined) {
        frame.next += 1;
        continue;
      }
      let sum = frame.shape?.fields ?? 0;
      for (const spread of spreads) sum = add(sum, totals.get(spread) ?? 0);
      totals.set(frame.name, sum);
      onPath.delete(frame.name);
      stack.pop();
    }
    return totals.get(root) ?? 0;
  };
  let count = 0;
  for (const operation of operations) {
    const shape = shapeOf(operation.selectionSet);
    count = add(count, shape.fields);
    for (const spread of shape.spreads) count = add(count, total(spread));
  }
  counted.set(document, count);
  return count;
}

/**
 * Refuses a document whose operations expand, fragments spread, to more than `maxFields` fields: measured right after
 * parsing, before validation, the cost model or graphql-jit's compiler walk the expansion (the compiler's time grows
 * with it). BAD_USER_INPUT, HTTP 400; the document never reaches a resolver.
 */
export function useExpansionLimit(options: ExpansionLimitOptions): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (!result || result instanceof Error) return;
        const count = expandedFieldCount(result as DocumentNode);
        if (count <= options.maxFields) return;
        const shown = count >= Number.MAX_SAFE_INTEGER ? 'more than 2^53' : String(count);
        replaceParseResult(
          createGraphQLError(
            `The document expands to ${shown} fields once its fragments are spread, over the limit of ${options.maxFields}: spread fewer fragments, or ask for fewer fields.`,
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          ),
        );
      };
    },
  };
}
