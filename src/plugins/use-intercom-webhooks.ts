// `POST /webhooks/intercom`: Intercom's change notifications (shared/upstreams/intercom.md, "Webhooks") turned into
// contact change events (shared/design/contract-events.graphql, origin SOURCE). Answered before auth, CSRF and
// GraphQL: Intercom carries no caller credential, its signature is the credential.
//
//   body (≤ maxBodyBytes, else 413) → X-Hub-Signature on the raw bytes (else 401) → envelope (else 400)
//   → `created_at` within maxAgeMs of now, either way (else 401: a replayed capture, or a date ahead that would hold
//   back the contact's true notifications) → 200 at once
//   → later: topic → kind (others ignored), id claimed once, not older than the contact's last one,
//     caches of the contact dropped, then the event published.
// Nothing of the secret, the URL or the body is ever logged.
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { INTERCOM_WEBHOOKS } from '../defaults.js';
import type { SharedStore } from '../shared/redis.js';
import { SeenNotifications } from '../webhooks/dedupe.js';
import { type IntercomNotification, parseNotification } from '../webhooks/notification.js';
import { ContactOrder } from '../webhooks/order.js';
import { verifyIntercomSignature } from '../webhooks/signature.js';
import { contactOfItem, kindOfTopic, type WebhookKind } from '../webhooks/topics.js';

/** A change announced by a webhook, in the shape of the gateway's change events (src/events/). */
export interface WebhookChangeEvent {
  /** The notification's id: unique per change, the same on a redelivery. */
  id: string;
  kind: WebhookKind;
  source: 'INTERCOM';
  sourceId: string;
  /** The notification's `created_at`, epoch ms. */
  occurredAt: number;
  origin: 'SOURCE';
  mergedIntoId?: string;
  /** Who may read it: the gateway's own Intercom credential. */
  credential: string;
}

/** Where events go (the gateway's change bus). */
export interface ChangePublisher {
  publish(event: WebhookChangeEvent): void;
}

export interface IntercomWebhooksOptions {
  /** The Intercom app's client secret (INTERCOM_CLIENT_SECRET); undefined: webhooks off, the path answers 404. */
  clientSecret: string | undefined;
  changes: ChangePublisher;
  /**
   * Drops what the gateway holds of `credential`'s reads (response cache, upstream answers), before the event is
   * published so that a subscriber reading the contact gets it fresh.
   */
  invalidate: (credential: string) => void | Promise<void>;
  /** The credential events are published for; default `gateway` (the gateway's own Intercom token). */
  credential?: string;
  /** With Redis, notification ids are claimed across replicas. */
  store?: SharedStore | undefined;
  maxBodyBytes?: number;
  maxAgeMs?: number;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/** The body, or undefined once it passes `max` bytes (reading stops there). */
async function readBounded(request: Request, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return undefined;
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    size += next.value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

export function useIntercomWebhooks(options: IntercomWebhooksOptions): Plugin {
  const maxBodyBytes = options.maxBodyBytes ?? INTERCOM_WEBHOOKS.maxBodyBytes;
  const maxAgeMs = options.maxAgeMs ?? INTERCOM_WEBHOOKS.maxAgeMs;
  const now = options.now ?? Date.now;
  const credential = options.credential ?? 'gateway';
  const seen = new SeenNotifications({ store: options.store });
  const order = new ContactOrder();
  let logger: YogaLogger | undefined;

  /** After the answer: the notification as an event, or nothing (ignored topic, redelivery, out of order). */
  async function process(notification: IntercomNotification): Promise<void> {
    const kind = kindOfTopic(notification.topic);
    if (!kind) return;
    const contact = contactOfItem(kind, notification.item);
    if (!contact) {
      logger?.warn(`intercom webhook ${notification.topic}: no contact id in the item, ignored`);
      return;
    }
    if (!(await seen.claim(notification.id))) return;
    const createdAt = notification.createdAt ?? 0;
    if (!order.accept(contact.sourceId, createdAt)) return;
    await options.invalidate(credential);
    options.changes.publish({
      id: notification.id,
      kind,
      source: 'INTERCOM',
      sourceId: contact.sourceId,
      occurredAt: createdAt * 1000,
      origin: 'SOURCE',
      ...(contact.mergedIntoId ? { mergedIntoId: contact.mergedIntoId } : {}),
      credential,
    });
  }

  return {
    onYogaInit({ yoga }) {
      logger = yoga.logger;
    },
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== INTERCOM_WEBHOOKS.path) return;
      const answer = (status: number, text: string, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(text, { status, headers: { ...TEXT, ...headers } }));
      const secret = options.clientSecret;
      if (!secret) return answer(404, 'Not Found');
      if (request.method !== 'POST') return answer(405, 'Method Not Allowed', { allow: 'POST' });
      const body = await readBounded(request, maxBodyBytes).catch(() => null);
      if (body === undefined) return answer(413, 'Payload Too Large');
      if (body === null) return answer(400, 'Bad Request');
      if (!verifyIntercomSignature(body, request.headers.get('x-hub-signature'), secret)) {
        logger?.warn('intercom webhook refused: missing or wrong signature');
        return answer(401, 'Unauthorized');
      }
      const notification = parseNotification(Buffer.from(body).toString('utf8'));
      if (!notification) return answer(400, 'Bad Request');
      if (notification.topic === 'ping') return answer(200, 'OK');
      const age = now() - (notification.createdAt ?? 0) * 1000;
      if (age > maxAgeMs) {
        logger?.warn('intercom webhook refused: stale notification');
        return answer(401, 'Unauthorized');
      }
      // Dated ahead of our clock by more than the same window: it would pass for the newest state of its contact and
      // hold back every true notification after it (the order check keeps the latest created_at per contact).
      if (-age > maxAgeMs) {
        logger?.warn('intercom webhook refused: notification dated in the future');
        return answer(401, 'Unauthorized');
      }
      // Acknowledged first: Intercom retries what takes more than a few seconds, and a subscriber's pace is not its
      // concern.
      setImmediate(() => {
        process(notification).catch((error: unknown) =>
          logger?.error(`intercom webhook ${notification.topic} failed: ${(error as Error)?.name ?? 'error'}`),
        );
      });
      return answer(200, 'OK');
    },
  };
}
