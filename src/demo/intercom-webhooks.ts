// The Intercom fake's webhooks (shared/upstreams/intercom.md, "Webhooks"): once told where (`webhookTarget`), every
// write that changes a contact is announced to that URL as Intercom would, signed with the app's client secret
// (`X-Hub-Signature: sha1=<HMAC-SHA1 of the body>`). Sent fire-and-forget with a short timeout: the fake's own answer
// never waits for it, and a gateway that is down only loses the notification.
//
// Write → topic: POST /contacts → contact.<role>.created; PUT /contacts/{id} → contact.<role>.updated (and
// contact.email.updated when the email changed); DELETE → contact.deleted; archive/unarchive → contact.archived /
// contact.unarchived; POST /contacts/merge → contact.merged (the surviving contact, the lead in its
// `merge_history`); tag/untag → contact.<role>.tag.created / .deleted (a `contact_tag`). Notes, companies and tag
// definitions have no contact topic: nothing is sent for them.
import { randomUUID } from 'node:crypto';
import { DEMO_WEBHOOKS } from '../defaults.js';
import type { IntercomContact } from '../upstream/intercom/types.js';
import { isObject } from '../upstream/shape.js';
import { signIntercom } from '../webhooks/signature.js';
import type { FakeAnswer, FakeRequest } from './http.js';

export interface WebhookSenderOptions {
  /** The app id notifications name. */
  appId: string;
  /** The role of a stored contact (tag topics name it), undefined when gone. */
  roleOf: (id: string) => string | undefined;
  timeoutMs?: number;
}

const reference = (contact: Record<string, unknown>) => ({
  type: 'contact',
  id: contact.id,
  external_id: contact.external_id ?? null,
});

export class IntercomWebhookSender {
  readonly #options: WebhookSenderOptions;
  #target: { url: string; secret: string } | undefined;
  readonly #inFlight = new Set<AbortController>();
  /** Notifications sent and what became of each (tests). */
  readonly sent: { topic: string; status: number | 'failed' }[] = [];

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
  }

  /** Where webhooks go and the secret they are signed with; undefined stops sending. */
  target(url: string | undefined, secret?: string): void {
    this.#target = url && secret ? { url, secret } : undefined;
  }

  /** After a successful write: the notifications it makes (none for writes without a contact topic). */
  afterWrite(request: FakeRequest, answer: FakeAnswer, before?: IntercomContact): void {
    if (!this.#target || answer.status < 200 || answer.status >= 300 || !isObject(answer.body)) return;
    for (const [topic, item] of this.#topics(request, answer.body, before)) this.send(topic, item);
  }

  #topics(
    request: FakeRequest,
    body: Record<string, unknown>,
    before: IntercomContact | undefined,
  ): [string, unknown][] {
    const { method, path } = request;
    const role = (id: unknown) => this.#options.roleOf(String(id)) ?? 'user';
    if (method === 'POST' && path === '/contacts') return [[`contact.${String(body.role)}.created`, body]];
    if (method === 'POST' && path === '/contacts/merge') {
      const from = isObject(request.body) ? request.body.from : undefined;
      const history = { type: 'merge_history', source_contact_id: String(from), source_contact_role: 'lead' };
      return [
        ['contact.merged', { ...body, merge_history: [{ ...history, merged_at: Math.floor(Date.now() / 1000) }] }],
      ];
    }
    let match = /^\/contacts\/([^/]+)$/.exec(path);
    if (match && method === 'PUT') {
      const topics: [string, unknown][] = [[`contact.${String(body.role)}.updated`, body]];
      if (before && before.email !== body.email) topics.push(['contact.email.updated', body]);
      return topics;
    }
    if (match && method === 'DELETE') return [['contact.deleted', reference(body)]];
    match = /^\/contacts\/([^/]+)\/(archive|unarchive)$/.exec(path);
    if (match && method === 'POST') return [[`contact.${match[2]}d`, reference(body)]];
    match = /^\/contacts\/([^/]+)\/tags(?:\/[^/]+)?$/.exec(path);
    if (match && (method === 'POST' || method === 'DELETE')) {
      const id = decodeURIComponent(match[1] ?? '');
      const contactTag = {
        type: 'contact_tag',
        created_at: Math.floor(Date.now() / 1000),
        contact: { type: 'contact', id },
        tag: { type: 'tag', id: body.id, name: body.name },
      };
      return [[`contact.${role(id)}.tag.${method === 'POST' ? 'created' : 'deleted'}`, contactTag]];
    }
    return [];
  }

  /** Sends one notification now, without waiting for it (answered or not). */
  send(topic: string, item: unknown, createdAt = Math.floor(Date.now() / 1000)): void {
    const target = this.#target;
    if (!target) return;
    const payload = JSON.stringify({
      type: 'notification_event',
      app_id: this.#options.appId,
      id: `notif_${randomUUID()}`,
      topic,
      created_at: createdAt,
      delivery_attempts: 1,
      first_sent_at: createdAt,
      data: { type: 'notification_event_data', item },
    });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs ?? DEMO_WEBHOOKS.timeoutMs);
    this.#inFlight.add(controller);
    const record = { topic, status: 0 as number | 'failed' };
    this.sent.push(record);
    fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': signIntercom(payload, target.secret) },
      body: payload,
      signal: controller.signal,
    })
      .then(async (response) => {
        record.status = response.status;
        await response.body?.cancel();
      })
      .catch(() => {
        record.status = 'failed';
      })
      .finally(() => {
        clearTimeout(timer);
        this.#inFlight.delete(controller);
      });
  }

  /** Stops sending and abandons what is in flight (the fake is closing). */
  close(): void {
    this.#target = undefined;
    for (const controller of this.#inFlight) controller.abort();
  }
}
