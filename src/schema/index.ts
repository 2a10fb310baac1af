import './scalars.js';
import './source.js';
import './address.js';
import './channel.js';
import './contact-date.js';
import './tag.js';
import './company.js';
import './affiliation.js';
import './note.js';
import './contact.js';
import './person.js';
import './node.js';
import './user-error.js';
import './contact-writes.js';
import './contact-change.js';
import { toSubgraphSchema } from './federation.js';

/** The gateway's schema, a federation v2 subgraph, sorted so its printed form is stable. */
export const schema = toSubgraphSchema();
