import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { OrganizationsClient } from "auth0/organizations";
import { RolesClient } from "auth0/roles";
import { UserGrantsClient } from "auth0/userGrants";
import { UsersClient } from "auth0/users";

/** Every item of an `auth0` SDK page iterator, following Auth0's paging to the end. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

/**
 * The Auth0 Management API as Gatehouse uses it: the SDK's per-resource clients on one token supplier. Only the
 * domain services (writes) and the directory's sync (import, reconciliation, just-in-time look-ups) hold one;
 * nothing on the read path calls Auth0.
 */
export class Auth0Management {
  readonly users: UsersClient;
  readonly organizations: OrganizationsClient;
  readonly roles: RolesClient;
  readonly clients: ClientsClient;
  readonly clientGrants: ClientGrantsClient;
  readonly userGrants: UserGrantsClient;

  constructor(
    readonly options: {
      issuer: string;
      audience: string;
      token: () => Promise<string>;
      /** A `fetch` for the SDK (the sync's pacer); the global one otherwise. */
      fetch?: typeof fetch;
    },
  ) {
    const clientOptions = {
      baseUrl: `${options.issuer}api/v2`,
      token: options.token,
      maxRetries: 2,
      timeoutInSeconds: 15,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    this.users = new UsersClient(clientOptions);
    this.organizations = new OrganizationsClient(clientOptions);
    this.roles = new RolesClient(clientOptions);
    this.clients = new ClientsClient(clientOptions);
    this.clientGrants = new ClientGrantsClient(clientOptions);
    this.userGrants = new UserGrantsClient(clientOptions);
  }
}
