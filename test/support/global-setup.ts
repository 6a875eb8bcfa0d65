// Once per `npm test` (or `vitest run <file>`): the playground's bundle is built from the current source, as
// `npm start` builds it, before any test serves it. Building once here keeps test files from rewriting the
// bundle while another reads it.
import { buildPlayground } from "../../playground/build.js";

export default async function setup(): Promise<void> {
  await buildPlayground();
}
