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
