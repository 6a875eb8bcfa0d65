import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".gatehouse/",
      "coverage/",
      "dist/",
      "src/generated/",
      "playground/dist/",
      "test/artifacts/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
  {
    files: [
      "src/**/main.ts",
      "src/dev/emulator.ts",
      "packages/*/src/main.ts",
      "packages/*/src/cli.ts",
      "scripts/**",
      "bench/**",
    ],
    rules: { "no-console": "off" },
  },
  {
    // The Auth0 Action script: CommonJS, run by Auth0's Node runtime, logging to its real-time logs.
    files: ["docs/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        exports: "writable",
        fetch: "readonly",
        AbortSignal: "readonly",
        console: "readonly",
        URL: "readonly",
      },
    },
    rules: { "no-console": "off" },
  },
  prettier,
);
