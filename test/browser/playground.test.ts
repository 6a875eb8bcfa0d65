// The playground in a real browser: Debian's Chromium driven by playwright-core (Playwright's own browser
// download is not available here). `.ci/run` installs the chromium package.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let stack: Stack;
let context: BrowserContext;
let profile: string;
const requested: string[] = [];
const failed: string[] = [];

beforeAll(async () => {
  // The page under test was built from the current source by the suite's global set-up, as `npm start` does.
  stack = await startStack({ playground: { devIdentities: true } });
  // Acme's admin enables the partner, as in the partner story, so Initech can act for Mia.
  const enabled = await stack.graphql(
    'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users", "update:users"]) { status } }',
    { authorization: bearer(await stack.userToken("admin@acme.test")) },
  );
  expect(enabled.body.errors).toBeUndefined();
  profile = mkdtempSync(join(tmpdir(), "gatehouse-chromium-"));
  // A fresh profile (--user-data-dir) for each run; Playwright passes --headless and the profile itself.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  context.on("request", (request) => requested.push(request.url()));
  context.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  context.on("console", (message) => {
    if (message.type() === "error") console.warn(`browser console: ${message.text()}`);
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await stack?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface GraphQLBody {
  data?: { viewer?: { kind: string }; users?: { nodes: Record<string, unknown>[] } | null } | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string; missingPermission?: string } }[];
}

/** Picks an identity in the switcher and waits until the page shows who the requests now run as. */
async function runAs(page: Page, identityId: string, shownAs: string) {
  await page.selectOption('[data-testid="identity"]', identityId);
  try {
    await page.locator('[data-testid="viewer"]', { hasText: shownAs }).waitFor({ timeout: 20_000 });
  } catch (error) {
    // Say what the page shows instead (the switcher's status line says why a switch failed).
    throw new Error(
      `the page never showed "${shownAs}"; its bar reads: ${await page.locator("header").textContent()}`,
      {
        cause: error,
      },
    );
  }
}

/** Runs the first tab's query with GraphiQL's run button; answers what the page received. */
async function runQuery(page: Page): Promise<GraphQLBody> {
  const answered = page.waitForResponse(
    (response) =>
      response.url().endsWith("/graphql") &&
      (response.request().postData() ?? "").includes("WhoAmIAndMyUsers"),
  );
  await page.locator(".graphiql-execute-button").click();
  return (await (await answered).json()) as GraphQLBody;
}

/** The denials the page lists, as `path code permission` lines. */
async function deniedShown(page: Page): Promise<string[]> {
  const section = page.locator('[data-testid="denials"]');
  if ((await section.count()) === 0) return [];
  return (await section.locator("li").allTextContents()).map((text) => text.replace(/\s+/g, " ").trim());
}

function denied(body: GraphQLBody): string[] {
  return (body.errors ?? []).map(
    (error) =>
      `${(error.path ?? []).join(".")} ${error.extensions?.code} ${error.extensions?.missingPermission}`,
  );
}

describe("the playground in a browser", { timeout: 120_000 }, () => {
  it("runs the same query as Ada, Mia, the Acme API key and Initech for Mia, and shows what changes and why", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await context.newPage();
    await page.goto(`${stack.url}/graphql`);
    await page.locator('[data-testid="viewer"]', { hasText: "ANONYMOUS" }).waitFor({ timeout: 30_000 });
    await page.locator(".graphiql-execute-button").waitFor();

    await runAs(page, "ada-admin", "USER · Acme Corp (org_acme) · assign:roles create:users delete:users");
    const ada = await runQuery(page);
    expect(ada.data?.viewer?.kind).toBe("USER");
    // The admin reads every user's roles and blocked flag; only the operators' list of tenants is denied.
    expect(ada.data?.users?.nodes.length).toBeGreaterThan(0);
    expect(ada.data?.users?.nodes.every((user) => Array.isArray(user.roles))).toBe(true);
    expect(denied(ada)).toEqual(["tenants FORBIDDEN read:tenants"]);
    await expect
      .poll(() => deniedShown(page))
      .toEqual([
        "tenants FORBIDDEN needs read:tenants — Not authorised: this needs the 'read:tenants' permission",
      ]);
    await page.screenshot({ path: join(ARTIFACTS, "playground-ada.png") });

    await runAs(page, "mia-member", "USER · Acme Corp (org_acme) · read:users");
    await expect
      .poll(() => page.locator('[data-testid="viewer"]').textContent())
      .not.toContain("manage:api_keys");
    const mia = await runQuery(page);
    // A member sees the list and emails, but others' roles and blocked flags are denied, each with its reason.
    expect(mia.data?.users?.nodes.length).toBeGreaterThan(0);
    expect(denied(mia)).toContain("tenants FORBIDDEN read:tenants");
    expect(denied(mia).some((line) => /^users\.nodes\.\d+\.roles FORBIDDEN read:roles$/.test(line))).toBe(
      true,
    );
    expect(denied(mia).some((line) => /^users\.nodes\.\d+\.blocked FORBIDDEN update:users$/.test(line))).toBe(
      true,
    );
    await expect
      .poll(async () =>
        (await deniedShown(page)).some((line) => /roles FORBIDDEN needs read:roles/.test(line)),
      )
      .toBe(true);
    // Each denied field is marked in the query itself.
    await expect
      .poll(() => page.locator(".graphiql-query-editor .squiggly-error").count())
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, "playground-mia.png") });

    await runAs(page, "acme-backend", "TENANT_APP · Acme Corp (org_acme) · create:users read:users");
    const apiKey = await runQuery(page);
    expect(apiKey.data?.viewer?.kind).toBe("TENANT_APP");
    // An API key is nobody's self: every user's roles are denied.
    const nodes = apiKey.data?.users?.nodes ?? [];
    expect(nodes.length).toBeGreaterThan(0);
    for (const [index] of nodes.entries()) {
      expect(denied(apiKey)).toContain(`users.nodes.${index}.roles FORBIDDEN read:roles`);
    }

    await runAs(page, "initech-for-mia", "PARTNER · Acme Corp (org_acme) · read:users");
    const partner = await runQuery(page);
    expect(partner.data?.viewer?.kind).toBe("PARTNER");
    expect(denied(partner)).toContain("tenants FORBIDDEN read:tenants");
    await expect
      .poll(async () =>
        (await deniedShown(page)).some((line) => /roles FORBIDDEN needs read:roles/.test(line)),
      )
      .toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "playground-partner.png") });

    // The Access panel: what this identity may read, as the server's rules decide it.
    await page.locator('.graphiql-sidebar button[aria-label="Show Access"]').click();
    const access = page.locator('[data-testid="access"]');
    await expect
      .poll(() =>
        access
          .locator("li", { hasText: /^tenants/ })
          .first()
          .textContent(),
      )
      .toContain("✗ needs 'read:tenants'");
    await expect
      .poll(() =>
        access
          .locator("li", { hasText: /^users/ })
          .first()
          .textContent(),
      )
      .toContain("✓ allowed");
    await page.screenshot({ path: join(ARTIFACTS, "playground-access.png") });

    // The partner's own example is one click away, in a tab of its own.
    await page.locator('[data-testid="examples"] button', { hasText: "PartnerReadsUser" }).click();
    await expect.poll(() => page.locator(".graphiql-tab-active").textContent()).toContain("PartnerReadsUser");

    // Every request the page made went to Gatehouse or its emulator.
    const allowedOrigins = new Set([new URL(stack.url).origin, new URL(stack.emulator.issuer).origin]);
    const elsewhere = requested.filter(
      (url) => !url.startsWith("data:") && !allowedOrigins.has(new URL(url).origin),
    );
    expect(requested.length).toBeGreaterThan(5);
    expect(elsewhere).toEqual([]);
    // The editor's workers came from Gatehouse too, so the check above saw them.
    expect(requested).toContain(`${stack.url}/graphql/assets/workers/graphql.js`);
    // Nothing the page asked for was missing, a favicon aside.
    expect(failed.filter((line) => !line.endsWith("/favicon.ico"))).toEqual([]);
    await page.close();
  });

  // Against a real tenant the page signs in itself. The emulator stands in for Auth0 up to the code exchange:
  // it sends no CORS headers (Auth0 does, for the SPA's Allowed Web Origins), so the page cannot read the
  // token it answers, and the test ends at checking the exchange the page made.
  it("against a real tenant, Sign in goes through Universal Login with PKCE and exchanges the code", async () => {
    const tenant = await startStack({ playground: { devIdentities: false } });
    try {
      const callback = `${tenant.url}/graphql/callback`;
      const { clients } = tenant.management();
      const spa = await clients.get("gatehouse-spa");
      await clients.update("gatehouse-spa", { callbacks: [...(spa.callbacks ?? []), callback] });
      const page = await context.newPage();
      await page.goto(`${tenant.url}/graphql`);
      await page.locator('[data-testid="viewer"]', { hasText: "ANONYMOUS" }).waitFor({ timeout: 30_000 });
      const options = await page.locator('[data-testid="identity"] option').allTextContents();
      expect(options).toEqual(["Anonymous", "Sign in (Auth0 Universal Login)", "Use an API key / token…"]);

      const popupOpened = context.waitForEvent("page");
      const authorizeRequest = context.waitForEvent("request", (request) =>
        request.url().includes("/authorize?"),
      );
      await page.selectOption('[data-testid="identity"]', "__sign-in");
      const popup = await popupOpened;
      const authorize = new URL((await authorizeRequest).url());
      await popup.locator('input[name="username"]').waitFor();
      expect(authorize.origin).toBe(new URL(tenant.emulator.issuer).origin);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        client_id: "gatehouse-spa",
        response_type: "code",
        redirect_uri: callback,
        code_challenge_method: "S256",
      });
      const exchange = page.waitForRequest((request) => request.url().endsWith("/oauth/token"));
      await popup.fill('input[name="username"]', "member@acme.test");
      await popup.fill('input[name="password"]', "Gatehouse-dev-1");
      await popup.click('button[value="default"]');
      const fields = new URLSearchParams((await exchange).postData() ?? "");
      expect(fields.get("grant_type")).toBe("authorization_code");
      expect(fields.get("redirect_uri")).toBe(callback);
      // The verifier kept in the page's memory is the one whose hash went to /authorize.
      expect(
        createHash("sha256")
          .update(fields.get("code_verifier") ?? "")
          .digest("base64url"),
      ).toBe(authorize.searchParams.get("code_challenge"));
      expect(fields.get("code")).toMatch(/.+/);
      await page.close();
    } finally {
      await tenant.close();
    }
  });
});
