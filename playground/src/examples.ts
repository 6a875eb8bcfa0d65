// Ready-made operations in tabs, one per way Gatehouse is used. Each says whom to run it as.

const SAME_QUERY = `# Run this as each identity and compare: fields present, or denied with the reason.
query WhoAmIAndMyUsers {
  viewer {
    kind
    permissions
    tenant { id displayName }
  }
  users(first: 3) {
    totalCount
    nodes { id name email roles blocked }
  }
  tenants { totalCount }
}
`;

const SPA_USER_LIST = `# The SPA's user list, with search and paging. Run as: Mia Member or Ada Admin.
query SpaUserList($search: String, $first: Int, $after: String) {
  users(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name email roles }
  }
}
`;

const BACK_END_CREATES_USER = `# A tenant's back end creating a user. Run as: Acme back end (API key).
mutation BackEndCreatesUser($input: CreateUserInput!) {
  createUser(input: $input) { id email name roles tenant { id } }
}
`;

const PARTNER_READS_AND_UPDATES = `# A partner reading and updating a user. Run as: Initech CMS acting for Mia.
# (Acme's admin enables the integration first: enableIntegration(partnerId: "initech-cms", …).)
query PartnerReadsUser($id: ID!) {
  user(id: $id) { id name email }
}

mutation PartnerUpdatesUser($id: ID!) {
  updateUser(id: $id, input: { name: "Mia M. Member" }) { id name }
}
`;

const ADMIN_API_KEYS = `# An admin creating an API key, then rotating it. Run as: Ada Admin.
mutation AdminCreatesApiKey {
  createApiKey(name: "Reporting", scopes: ["read:users"]) {
    clientId
    clientSecret
    apiKey { id name scopes }
  }
}

mutation AdminRotatesApiKey($id: ID!) {
  rotateApiKey(id: $id) { clientId clientSecret apiKey { id } }
}
`;

export const EXAMPLE_TABS = [
  { query: SAME_QUERY },
  { query: SPA_USER_LIST, variables: JSON.stringify({ search: "", first: 10 }, null, 2) },
  {
    query: BACK_END_CREATES_USER,
    variables: JSON.stringify({ input: { email: "new.hire@acme.test", name: "New Hire" } }, null, 2),
  },
  { query: PARTNER_READS_AND_UPDATES, variables: JSON.stringify({ id: "auth0|acme-member" }, null, 2) },
  { query: ADMIN_API_KEYS, variables: JSON.stringify({ id: "paste the apiKey id here" }, null, 2) },
];

/** Which tabs suit which seeded identity (by the tabs' operation names); every identity gets the first. */
export const EXAMPLES_FOR: Record<string, string[]> = {
  "ada-admin": ["SpaUserList", "AdminCreatesApiKey"],
  "max-manager": ["SpaUserList"],
  "mia-member": ["SpaUserList"],
  "cara-consultant": ["SpaUserList"],
  "acme-backend": ["BackEndCreatesUser"],
  "initech-for-mia": ["PartnerReadsUser"],
};
