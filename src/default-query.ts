/** The query GraphiQL opens with: one page across both sources with every kind of child field. */
export const DEFAULT_QUERY = `# Contacts from every configured source, one page at a time.
query Contacts {
  sources { source configured }
  contacts(first: 10) {
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
}
`;
