// The inbox's search attributes (src/workflows/search-attributes.ts) must exist in the namespace before an approval
// upserts them: an upsert of an unknown attribute fails the workflow task, and the approval would stall. The embedded
// dev server registers them when it starts; on a real cluster the worker checks at start-up, registers what is missing
// when it may, and otherwise refuses to start with the commands that fix it.
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import { INBOX_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

const PROTO_TYPE = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as Record<string, proto.temporal.api.enums.v1.IndexedValueType>;

/** The type as `temporal operator search-attribute create --type` spells it. */
const CLI_TYPE: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

type InboxKey = (typeof INBOX_SEARCH_ATTRIBUTES)[number];

/** The CLI command that registers one of them, as an operator runs it. */
export function searchAttributeCommand(namespace: string, key: InboxKey): string {
  return `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPE[key.type]}`;
}

/** Temporal Cloud registers them through its own tools, not the operator API the CLI commands use. */
export const CLOUD_SEARCH_ATTRIBUTES_HINT =
  'On Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI.';

export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
}

/** Which of the inbox's attributes a namespace lacks, and which it has with another type (as `listSearchAttributes` answers). */
export function compareSearchAttributes(
  listed: proto.temporal.api.operatorservice.v1.IListSearchAttributesResponse,
): { missing: InboxKey[]; wrongType: InboxKey[] } {
  const present = { ...listed.customAttributes, ...listed.systemAttributes };
  return {
    missing: INBOX_SEARCH_ATTRIBUTES.filter((key) => present[key.name] === undefined),
    wrongType: INBOX_SEARCH_ATTRIBUTES.filter(
      (key) => present[key.name] !== undefined && present[key.name] !== PROTO_TYPE[key.type],
    ),
  };
}

/** What is wrong with attributes of another type, in one sentence. */
export function wrongTypeProblem(namespace: string, wrongType: readonly InboxKey[]): string {
  return `Temporal namespace "${namespace}" has ${wrongType.map((k) => `${k.name} with a type other than ${CLI_TYPE[k.type]}`).join(', ')}; Countersign needs its own types there`;
}

/** Each attribute's type as Temporal's API names it, by name: what `addSearchAttributes` takes. */
export function searchAttributeTypes(
  keys: readonly InboxKey[] = INBOX_SEARCH_ATTRIBUTES,
): Record<string, proto.temporal.api.enums.v1.IndexedValueType> {
  return Object.fromEntries(
    keys.map((key) => [key.name, PROTO_TYPE[key.type] as proto.temporal.api.enums.v1.IndexedValueType]),
  );
}

/** What was registered now (empty when all were there). Throws SearchAttributesMissingError when it cannot. */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const { missing, wrongType } = compareSearchAttributes(
    await connection.operatorService.listSearchAttributes({ namespace }),
  );
  if (wrongType.length > 0) throw new SearchAttributesMissingError(wrongTypeProblem(namespace, wrongType));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: searchAttributeTypes(missing),
    });
  } catch (error) {
    const commands = missing.map((key) => searchAttributeCommand(namespace, key)).join('\n  ');
    throw new SearchAttributesMissingError(
      `Temporal namespace "${namespace}" lacks the search attributes the approval inbox needs, and registering them was refused (${(error as Error).message}). Register them once, then start again:\n  ${commands}\n(${CLOUD_SEARCH_ATTRIBUTES_HINT})`,
      { cause: error },
    );
  }
  return missing.map((key) => key.name);
}
