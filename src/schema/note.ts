import type { Note } from '../model.js';
import { builder } from './builder.js';
import { nodeKey } from './ids.js';
import { SourceEnum } from './source.js';

export const NoteRef = builder.objectRef<Note>('Note');

builder.node(NoteRef, {
  id: { resolve: (note) => nodeKey(note.source, note.contactId, note.sourceId) },
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    body: t.exposeString('body', { description: 'As the source wrote it (Intercom: HTML).' }),
    text: t.exposeString('text', { description: 'The body as plain text.' }),
    authorName: t.exposeString('authorName', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
