// Intercom's contact webhook topics and what each says (shared/upstreams/intercom.md, "Webhooks"; Intercom's
// webhook-models reference, 2.x), as the change kinds of shared/design/contract-events.graphql.
//
// Payloads (`data.item`):
// - created, updated, email.updated, archived, unarchived: the contact (`type: contact`, `id`, …);
// - deleted: only its identifying fields (`id`, `external_id`);
// - tag.created / tag.deleted: a `contact_tag`, `{ contact: { id, … }, tag: { id, name } }`;
// - merged: the surviving contact (`into`), with the merged-away lead in its `merge_history`
//   (OpenAPI `merge_history_item`: `source_contact_id`, `merged_at`), or `from`/`into` references; the event is about
//   the merged-away contact, and `mergedIntoId` names the survivor.
import { isObject } from '../upstream/shape.js';

/** The change kinds of `ContactChangeKind` a webhook can announce (NOTE_ADDED has no Intercom contact topic). */
export type WebhookKind =
  | 'CREATED'
  | 'UPDATED'
  | 'DELETED'
  | 'ARCHIVED'
  | 'UNARCHIVED'
  | 'MERGED'
  | 'TAGGED'
  | 'UNTAGGED';

const KINDS: Readonly<Record<string, WebhookKind>> = {
  'contact.user.created': 'CREATED',
  'contact.lead.created': 'CREATED',
  'contact.user.updated': 'UPDATED',
  'contact.lead.updated': 'UPDATED',
  'contact.email.updated': 'UPDATED',
  'contact.deleted': 'DELETED',
  'contact.archived': 'ARCHIVED',
  'contact.unarchived': 'UNARCHIVED',
  'contact.merged': 'MERGED',
  'contact.user.tag.created': 'TAGGED',
  'contact.lead.tag.created': 'TAGGED',
  'contact.user.tag.deleted': 'UNTAGGED',
  'contact.lead.tag.deleted': 'UNTAGGED',
};

/** The kind a topic announces; undefined for topics the gateway does not follow (acknowledged and ignored). */
export function kindOfTopic(topic: string): WebhookKind | undefined {
  return Object.hasOwn(KINDS, topic) ? KINDS[topic] : undefined;
}

/** Which contact a notification is about (Intercom ids), or undefined when the item names none. */
export interface TopicContact {
  sourceId: string;
  /** MERGED: the contact it was merged into. */
  mergedIntoId?: string;
}

/** An id as Intercom writes it: a string, or (in some examples) a number; a reference `{ id }` too. */
function idOf(value: unknown): string | undefined {
  if (isObject(value)) return idOf(value.id);
  if (typeof value === 'string' && value !== '' && value.length <= 200) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** The contact `item` is about for `kind` (see the payloads above). */
export function contactOfItem(kind: WebhookKind, item: unknown): TopicContact | undefined {
  if (!isObject(item)) return undefined;
  if (kind === 'TAGGED' || kind === 'UNTAGGED') {
    const sourceId = idOf(item.contact);
    return sourceId ? { sourceId } : undefined;
  }
  if (kind === 'MERGED') {
    const into = idOf(item.into) ?? idOf(item.id);
    const history = Array.isArray(item.merge_history) ? item.merge_history.filter(isObject) : [];
    // The latest merge is the one announced.
    const latest = history.reduce<Record<string, unknown> | undefined>(
      (best, entry) => (best === undefined || Number(entry.merged_at) >= Number(best.merged_at) ? entry : best),
      undefined,
    );
    const from = idOf(item.from) ?? idOf(latest?.source_contact_id);
    return from && into && from !== into ? { sourceId: from, mergedIntoId: into } : undefined;
  }
  const sourceId = idOf(item.id);
  return sourceId ? { sourceId } : undefined;
}
