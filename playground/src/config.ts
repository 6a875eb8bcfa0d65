/** What the server tells the page (the JSON script element of src/http/playground.ts). */
export interface PlaygroundConfig {
  endpoint: string;
  accessUrl: string;
  authorizationDocUrl: string;
  /** Only with the embedded emulator: the seeded identities. */
  identitiesUrl: string | null;
  auth0: {
    issuer: string;
    audience: string;
    clientId: string;
    organization: string | null;
    callbackPath: string;
  };
}

export function readConfig(): PlaygroundConfig {
  const element = document.getElementById("gatehouse-playground");
  return JSON.parse(element?.textContent ?? "{}") as PlaygroundConfig;
}
