import { describe, expect, it } from "vitest";
import { hashSecret, mintNativeKey, parseNativeKey, secretMatches } from "../../src/caller/native-api-key.js";

describe("the native API key format", () => {
  it("a minted key parses back to its id and a secret matching its hash", () => {
    const minted = mintNativeKey();
    expect(minted.key).toMatch(/^gatehouse_[0-9A-Za-z]{54}$/);
    const parsed = parseNativeKey(minted.key);
    expect(parsed?.id).toBe(minted.id);
    expect(secretMatches(parsed!.secret, minted.secretHash)).toBe(true);
    expect(hashSecret(parsed!.secret)).toBe(minted.secretHash);
    expect(minted.displayPrefix).toBe(minted.key.slice(0, "gatehouse_".length + 16));
  });

  it("a rotation keeps the key id and changes the secret", () => {
    const first = mintNativeKey();
    const second = mintNativeKey(first.id);
    expect(second.id).toBe(first.id);
    expect(second.secretHash).not.toBe(first.secretHash);
  });

  it("every single-character change is caught by the checksum, offline", () => {
    const { key } = mintNativeKey();
    let caught = 0;
    for (let at = "gatehouse_".length; at < key.length; at += 1) {
      const replacement = key[at] === "x" ? "y" : "x";
      if (parseNativeKey(`${key.slice(0, at)}${replacement}${key.slice(at + 1)}`) === null) caught += 1;
    }
    expect(caught).toBe(key.length - "gatehouse_".length);
  });

  it.each([["gatehouse_short"], ["gh_" + "a".repeat(54)], [""], ["gatehouse_" + "!".repeat(54)]])(
    "%j is not a key",
    (text) => {
      expect(parseNativeKey(text)).toBeNull();
    },
  );
});
