import { describe, expect, it } from "vitest";
import { ProvisionError } from "../../src/provision/plan.js";
import { issuerOf } from "../../src/provision/provision.js";

describe("which tenant --domain names", () => {
  it("a tenant's domain is reached over https", () => {
    expect(issuerOf("your-tenant.eu.auth0.com")).toBe("https://your-tenant.eu.auth0.com/");
    expect(issuerOf("https://your-tenant.eu.auth0.com/")).toBe("https://your-tenant.eu.auth0.com/");
  });

  it("plain http only to a loopback address, where a local emulator listens", () => {
    expect(issuerOf("http://127.0.0.1:4010")).toBe("http://127.0.0.1:4010/");
    expect(issuerOf("http://localhost:4010")).toBe("http://localhost:4010/");
    expect(() => issuerOf("http://your-tenant.eu.auth0.com")).toThrow(ProvisionError);
    expect(() => issuerOf("http://10.0.0.5:4010")).toThrow(/only on a loopback address/);
  });

  it("a domain with a path, or credentials in it, is refused", () => {
    expect(() => issuerOf("your-tenant.eu.auth0.com/api/v2")).toThrow(/without a path/);
    expect(() => issuerOf("https://user:secret@your-tenant.eu.auth0.com")).toThrow(ProvisionError);
  });
});
