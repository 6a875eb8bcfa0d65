// The emulator's Universal Login pages: plain HTML forms with no script and no cookies, so that a test (or
// curl) can complete a login by reading the form and posting its fields, exactly as a browser would.

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageFields {
  transactionId: string;
  clientName: string;
  organizationName?: string;
  /** Shown above the form after a failed attempt. */
  error?: string;
  /** What the user typed last time, kept so they only retype the password. */
  username?: string;
}

export function loginPage(fields: LoginPageFields): string {
  const into = fields.organizationName ? ` to ${escapeHtml(fields.organizationName)}` : "";
  const error = fields.error ? `<p role="alert" id="error">${escapeHtml(fields.error)}</p>\n` : "";
  return page(
    "Log in",
    `<h1>Log in${into}</h1>
<p>to continue to ${escapeHtml(fields.clientName)}</p>
${error}<form method="post" action="/u/login">
<input type="hidden" name="state" value="${escapeHtml(fields.transactionId)}">
<label>Email address <input type="email" name="username" value="${escapeHtml(fields.username ?? "")}" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit" name="action" value="default">Continue</button>
</form>`,
  );
}

export interface ConsentPageFields {
  transactionId: string;
  clientName: string;
  userEmail: string;
  apiName: string;
  scopes: { value: string; description: string }[];
}

export function consentPage(fields: ConsentPageFields): string {
  const items = fields.scopes
    .map(
      (scope) =>
        `<li data-scope="${escapeHtml(scope.value)}"><strong>${escapeHtml(scope.value)}</strong>: ${escapeHtml(scope.description)}</li>`,
    )
    .join("\n");
  return page(
    "Authorize application",
    `<h1>Authorize ${escapeHtml(fields.clientName)}</h1>
<p>Hi ${escapeHtml(fields.userEmail)}, ${escapeHtml(fields.clientName)} is requesting access to your ${escapeHtml(fields.apiName)} account:</p>
<ul>
${items}
</ul>
<form method="post" action="/u/consent">
<input type="hidden" name="state" value="${escapeHtml(fields.transactionId)}">
<button type="submit" name="action" value="deny">Decline</button>
<button type="submit" name="action" value="accept">Accept</button>
</form>`,
  );
}

/** Auth0's error page, for requests it cannot safely redirect back (unknown client, callback mismatch). */
export function errorPage(error: string, description: string): string {
  return page(
    "Error",
    `<h1>Oops!, something went wrong</h1>
<p><code id="error">${escapeHtml(error)}</code></p>
<p id="error_description">${escapeHtml(description)}</p>`,
  );
}
