/** The query GraphiQL opens with: a page of each source side by side, every kind of child field, in one shape. */
export const DEFAULT_QUERY = `# One page of contacts from each source, in one shape. Drop an alias, or the sources
# argument, for one list across every configured source (pass pageInfo.endCursor as after).
query Contacts {
  sources { source configured }
  backside: contacts(first: 5, sources: [BACKSIDE]) { ...Page }
  intercom: contacts(first: 5, sources: [INTERCOM]) { ...Page }
}

fragment Page on ContactConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    id
    source
    kind
    displayName
    email
    phone
    tags { name }
    companies { name website }
    channels { type sourceType value }
    addresses { formatted countryCode }
    notes(first: 2) { text createdAt }
  }
}
`;

/**
 * The mutation GraphiQL's second tab opens with: tag a demo contact (Oliver Müller, Intercom, in every demo seed) and,
 * in the same run, an update that answers userErrors instead of a GraphQL error. Mutation fields run one after the
 * other, so one Run shows both outcomes.
 */
export const DEFAULT_MUTATION = `# Writes answer a payload: the contact after the change, plus userErrors for what the caller can fix
# (a mutation with userErrors changed nothing). Find a contact's id with a query such as
#   { contactBySourceId(source: INTERCOM, sourceId: "18cca421fd44961602b551fb") { id displayName } }
# Writes need the contacts:write scope (the demo allows them); its data resets when the gateway restarts.
mutation TagAContact {
  tagged: tagContact(input: { contactId: "Q29udGFjdDpJTlRFUkNPTToxOGNjYTQyMWZkNDQ5NjE2MDJiNTUxZmI", tagName: "VIP" }) {
    contact { id displayName tags { name } }
    userErrors { field message code }
  }
  refused: updateContact(input: { id: "Q29udGFjdDpJTlRFUkNPTToxOGNjYTQyMWZkNDQ5NjE2MDJiNTUxZmI", email: "not-an-email" }) {
    contact { id email }
    userErrors { field message code }
  }
}
`;
