// `npm run docs:authorization`: writes docs/authorization.md from the permission map and the seed.
import { writeFileSync } from "node:fs";
import { AUTHORIZATION_DOC, renderAuthorizationMatrix } from "./authorization-matrix.js";

const markdown = await renderAuthorizationMatrix();
writeFileSync(AUTHORIZATION_DOC, markdown);
process.stdout.write(`wrote ${AUTHORIZATION_DOC}\n`);
