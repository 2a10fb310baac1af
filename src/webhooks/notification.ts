// The envelope of an Intercom webhook (shared/upstreams/intercom.md, "Webhooks"): `{ "type": "notification_event",
// "id": "notif_…", "topic", "app_id", "created_at" (unix seconds), "data": { "item": { … } } }`. Read only after the
// signature was checked.
import { isObject } from '../upstream/shape.js';

export interface IntercomNotification {
  id: string;
  topic: string;
  /** Unix seconds; undefined only for `ping` (which announces nothing). */
  createdAt: number | undefined;
  item: unknown;
}

/** The notification in `text`, or undefined when it is not JSON or lacks an id, topic or creation time (a ping
 * needs none). */
export function parseNotification(text: string): IntercomNotification | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  const { id, topic } = body;
  const createdAt = typeof body.created_at === 'string' ? Number(body.created_at) : body.created_at;
  if (typeof id !== 'string' || id === '' || id.length > 200) return undefined;
  if (typeof topic !== 'string' || topic === '' || topic.length > 200) return undefined;
  const valid = typeof createdAt === 'number' && Number.isFinite(createdAt) && createdAt >= 0;
  if (!valid && topic !== 'ping') return undefined;
  return {
    id,
    topic,
    createdAt: valid ? createdAt : undefined,
    item: isObject(body.data) ? body.data.item : undefined,
  };
}
