// Intercom's refusals of writes (intercom-openapi.yaml error examples; intercom.md "Writes"), as user errors. Pure.
//
// Intercom's 404 names what is missing by its body: `not_found` "User Not Found" is the contact, `company_not_found`
// the company, `not_found` "Resource Not Found" another record of the path (a tag, an admin).
import { isObject } from '../shape.js';
import { fieldIn, invalid, notFound, taken, unsupported, userError } from '../user-errors.js';
import type { SourceUserError } from '../writer.js';

/** Intercom field names (and words of its messages) → our input fields. */
export const INTERCOM_FIELDS: Record<string, string> = {
  email: 'email',
  phone: 'phone',
  name: 'name',
  external_id: 'externalId',
  avatar: 'avatarUrl',
  role: 'role',
  custom_attributes: 'customAttributes',
};

/** The first error of Intercom's `error.list` body, when the refusal carries one. */
export function intercomProblem(body: unknown): { code: string; message: string } | null {
  if (!isObject(body) || !Array.isArray(body.errors) || !isObject(body.errors[0])) return null;
  const { code, message } = body.errors[0];
  return { code: typeof code === 'string' ? code : '', message: typeof message === 'string' ? message : '' };
}

export interface IntercomWriteContext {
  /** e.g. "contact", "tag": in our messages. */
  what: string;
  /** Our input field naming the contact of the path (`id`, `contactId`, `fromId`…). */
  recordField: string;
  /** What a `not_found` that is not the contact is about (a tag, an admin), and our field for it. */
  other?: { what: string; field?: string };
}

/** The user error for a refused Intercom write (`status` one of REFUSALS). */
export function intercomRefusal(status: number, body: unknown, context: IntercomWriteContext): SourceUserError {
  const problem = intercomProblem(body);
  const message = problem?.message;
  if (status === 405 || status === 501) return unsupported('INTERCOM', `this ${context.what} operation`);
  if (status === 404) {
    if (problem?.code === 'company_not_found') return notFound('INTERCOM', 'company', 'companyId');
    const contact = !problem || /user|contact|lead/i.test(message ?? '');
    if (!contact && context.other) return notFound('INTERCOM', context.other.what, context.other.field);
    return notFound('INTERCOM', 'contact', context.recordField);
  }
  if (status === 409) {
    const field = fieldIn(message, INTERCOM_FIELDS) ?? 'email';
    return taken('INTERCOM', field, /\bid=([A-Za-z0-9_-]+)/.exec(message ?? '')?.[1]);
  }
  if (problem?.code === 'parameter_not_found' || problem?.code === 'missing_parameter') {
    return userError(
      'REQUIRED',
      `Intercom needs more to change this ${context.what}.`,
      fieldIn(message, INTERCOM_FIELDS),
    );
  }
  return invalid('INTERCOM', context.what, fieldIn(message, INTERCOM_FIELDS));
}
