import "./workers";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import "@graphiql/plugin-explorer/style.css";
import { useGraphiQL, useGraphiQLActions, useMonaco, type GraphiQLPlugin } from "@graphiql/react";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import {
  createContext,
  StrictMode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { createRoot } from "react-dom/client";
import type { ExecutionResult } from "graphql";
import { readConfig, type PlaygroundConfig } from "./config";
import { EXAMPLE_TABS, EXAMPLES_FOR } from "./examples";
import { authorizationFromPaste, signIn } from "./sign-in";
import "./playground.css";

interface GraphQLError {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: { code?: string; missingPermission?: string | null };
}

interface Viewer {
  kind: string;
  subject: string | null;
  clientId: string | null;
  permissions: string[];
  tenant: { id: string; displayName: string | null } | null;
}

type Verdict =
  | { outcome: "allowed" }
  | { outcome: "denied"; code: string; missingPermission: string | null; reason: string }
  | { outcome: "depends"; condition: string };

interface FieldAccess {
  type: string;
  field: string;
  rule: string;
  verdict: Verdict;
}

const VIEWER_QUERY = "{ viewer { kind subject clientId permissions tenant { id displayName } } }";

/** Memory only: GraphiQL keeps its tabs here instead of localStorage, so nothing outlives the tab. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

const AccessContext = createContext<{
  access: FieldAccess[] | null;
  viewer: Viewer | null;
  identity: string;
}>({
  access: null,
  viewer: null,
  identity: "anonymous",
});

/** Under the response: the example tabs made for the identity the requests run as, one click away. */
function ExamplesForIdentity() {
  const { identity } = useContext(AccessContext);
  const tabs = useGraphiQL((state) => state.tabs);
  const { changeTab } = useGraphiQLActions();
  const names = ["WhoAmIAndMyUsers", ...(EXAMPLES_FOR[identity] ?? [])];
  return (
    <div className="gh-examples" data-testid="examples">
      Examples for this identity:{" "}
      {names.map((name) => {
        const index = tabs.findIndex((tab) => tab.title === name);
        return index < 0 ? null : (
          <button key={name} type="button" onClick={() => changeTab(index)}>
            {name}
          </button>
        );
      })}
    </div>
  );
}

function AccessPanel() {
  const { access, viewer } = useContext(AccessContext);
  const [filter, setFilter] = useState("");
  if (!access) return <p>Loading what this identity may read…</p>;
  const shown = access.filter((row) =>
    `${row.type}.${row.field}`.toLowerCase().includes(filter.toLowerCase()),
  );
  const types = [...new Set(shown.map((row) => row.type))];
  return (
    <div className="gh-access" data-testid="access">
      <h2>What {viewer ? viewer.kind : "this caller"} may read and do</h2>
      <p>
        Decided by the server's rules for the current identity. ◐: depends on the object or arguments. Hover a
        field for its rule.
      </p>
      <input
        placeholder="Filter: User.email"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      {types.map((type) => (
        <section key={type}>
          <h3>{type}</h3>
          <ul>
            {shown
              .filter((row) => row.type === type)
              .map((row) => (
                <li key={row.field} className={`gh-${row.verdict.outcome}`} title={row.rule}>
                  <code>{row.field}</code> {verdictText(row.verdict)}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function verdictText(verdict: Verdict): string {
  // Plain symbols: an emoji font may be missing, and none is loaded from anywhere.
  if (verdict.outcome === "allowed") return "✓ allowed";
  if (verdict.outcome === "depends") return `◐ ${verdict.condition}`;
  return verdict.missingPermission ? `✗ needs '${verdict.missingPermission}'` : `✗ ${verdict.reason}`;
}

function LockIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.6">
      <rect x="5" y="11" width="14" height="9" rx="1.5" />
      <path d="M8 11V8a4 4 0 0 1 8 0v3" />
    </svg>
  );
}

const ACCESS_PLUGIN: GraphiQLPlugin = { title: "Access", icon: LockIcon, content: AccessPanel };
const PLUGINS = [ACCESS_PLUGIN, explorerPlugin()];

function denialText(error: GraphQLError): string {
  const code = error.extensions?.code ?? "ERROR";
  const missing = error.extensions?.missingPermission;
  return `${code}${missing ? ` — needs '${missing}'` : ""}: ${error.message}`;
}

/** Marks each error of the last response at the field it is about, in the query editor. */
function useErrorMarkers(errors: GraphQLError[]) {
  const monaco = useMonaco((state) => state.monaco);
  useEffect(() => {
    if (!monaco) return;
    for (const model of monaco.editor.getModels()) {
      if (model.getLanguageId() !== "graphql") continue;
      const markers = errors.flatMap((error) =>
        (error.locations ?? []).flatMap(({ line, column }) => {
          if (line > model.getLineCount()) return [];
          const word = model.getWordAtPosition({ lineNumber: line, column });
          return [
            {
              severity: monaco.MarkerSeverity.Error,
              message: denialText(error),
              startLineNumber: line,
              startColumn: column,
              endLineNumber: line,
              endColumn: word ? word.endColumn : column + 1,
            },
          ];
        }),
      );
      monaco.editor.setModelMarkers(model, "gatehouse", markers);
    }
  }, [monaco, errors]);
}

interface IdentityOption {
  id: string;
  label: string;
}

const SIGN_IN = "__sign-in";
const PASTE = "__paste";

function App({ config }: { config: PlaygroundConfig }) {
  const [identities, setIdentities] = useState<IdentityOption[]>([{ id: "anonymous", label: "Anonymous" }]);
  const [selected, setSelected] = useState("anonymous");
  const [authorization, setAuthorization] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState("");
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [access, setAccess] = useState<FieldAccess[] | null>(null);
  const [errors, setErrors] = useState<GraphQLError[]>([]);
  // The fetcher reads the current identity at call time; GraphiQL keeps the first fetcher it is given.
  const authorizationRef = useRef<string | null>(null);
  authorizationRef.current = authorization;

  useEffect(() => {
    if (!config.identitiesUrl) return;
    void fetch(config.identitiesUrl)
      .then((response) => response.json() as Promise<{ identities: IdentityOption[] }>)
      .then((body) => setIdentities(body.identities))
      .catch(() => setStatus("The seeded identities could not be loaded"));
  }, [config.identitiesUrl]);

  const headersFor = (value: string | null): Record<string, string> => ({
    "content-type": "application/json",
    accept: "application/json",
    ...(value ? { authorization: value } : {}),
  });

  // Who the requests run as, and what that caller may read, both from the server.
  useEffect(() => {
    setViewer(null);
    setAccess(null);
    setErrors([]);
    void (async () => {
      const response = await fetch(config.endpoint, {
        method: "POST",
        headers: headersFor(authorization),
        body: JSON.stringify({ query: VIEWER_QUERY }),
      });
      const body = (await response.json()) as { data?: { viewer: Viewer }; errors?: GraphQLError[] };
      if (!body.data) {
        setStatus(body.errors?.[0]?.message ?? `Gatehouse answered ${response.status}`);
        return;
      }
      setViewer(body.data.viewer);
      const accessResponse = await fetch(config.accessUrl, { headers: headersFor(authorization) });
      if (accessResponse.ok) setAccess(((await accessResponse.json()) as { fields: FieldAccess[] }).fields);
    })().catch((error: unknown) => setStatus(`Gatehouse did not answer: ${String(error)}`));
  }, [authorization, config.endpoint, config.accessUrl]);

  const choose = useCallback(
    async (id: string) => {
      setSelected(id);
      setStatus(null);
      setPasting(id === PASTE);
      if (id === PASTE) return;
      try {
        if (id === SIGN_IN) {
          setStatus("Signing in through Auth0…");
          setAuthorization(await signIn(config));
          setStatus(null);
        } else if (id === "anonymous" && !config.identitiesUrl) {
          setAuthorization(null);
        } else {
          setStatus("Getting a token…");
          const response = await fetch(`${config.identitiesUrl}/${encodeURIComponent(id)}/token`, {
            method: "POST",
          });
          const body = (await response.json()) as { authorization?: string | null; error?: string };
          if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
          setAuthorization(body.authorization ?? null);
          setStatus(null);
        }
      } catch (error) {
        setStatus(`Could not switch: ${(error as Error).message}`);
      }
    },
    [config],
  );

  const fetcher = useMemo(
    () => async (params: unknown) => {
      const response = await fetch(config.endpoint, {
        method: "POST",
        headers: headersFor(authorizationRef.current),
        body: JSON.stringify(params),
      });
      const body = (await response.json()) as { data?: unknown; errors?: GraphQLError[] };
      const isIntrospection = JSON.stringify(params).includes("__schema");
      if (!isIntrospection) setErrors(body.errors ?? []);
      return body as unknown as ExecutionResult;
    },
    [config.endpoint],
  );

  useErrorMarkers(errors);
  const storage = useMemo(memoryStorage, []);
  const options = config.identitiesUrl
    ? identities
    : [
        { id: "anonymous", label: "Anonymous" },
        { id: SIGN_IN, label: "Sign in (Auth0 Universal Login)" },
      ];

  return (
    <AccessContext.Provider value={{ access, viewer, identity: selected }}>
      <div className="gh-page">
        <header className="gh-bar">
          <strong className="gh-brand">Gatehouse playground</strong>
          <label>
            Run as{" "}
            <select
              data-testid="identity"
              value={selected}
              onChange={(event) => void choose(event.target.value)}
            >
              {options.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.label}
                </option>
              ))}
              <option value={PASTE}>Use an API key / token…</option>
            </select>
          </label>
          {pasting && (
            <form
              className="gh-paste"
              onSubmit={(event) => {
                event.preventDefault();
                setAuthorization(authorizationFromPaste(pasted));
                setPasted("");
                setPasting(false);
              }}
            >
              <input
                type="password"
                autoComplete="off"
                placeholder="access token, or client_id:client_secret"
                value={pasted}
                onChange={(event) => setPasted(event.target.value)}
              />
              <button type="submit">Use</button>
            </form>
          )}
          <span className="gh-viewer" data-testid="viewer">
            {viewer
              ? `${viewer.kind}${viewer.tenant ? ` · ${viewer.tenant.displayName ?? viewer.tenant.id} (${viewer.tenant.id})` : " · no tenant"} · ${
                  viewer.permissions.length > 0 ? viewer.permissions.join(" ") : "no permissions"
                }`
              : "…"}
          </span>
          {status && <span className="gh-status">{status}</span>}
          <a href={config.authorizationDocUrl} target="_blank" rel="noreferrer">
            Authorization matrix
          </a>
        </header>
        {errors.length > 0 && (
          <section className="gh-denials" data-testid="denials">
            <strong>Errors in the last response</strong> (also marked in the query)
            <ul>
              {errors.map((error, index) => (
                <li key={index}>
                  <code>{(error.path ?? []).join(".") || "request"}</code>{" "}
                  <span className="gh-code">{error.extensions?.code}</span>
                  {error.extensions?.missingPermission && (
                    <>
                      {" "}
                      needs <code>{error.extensions.missingPermission}</code>
                    </>
                  )}{" "}
                  — {error.message}
                </li>
              ))}
            </ul>
          </section>
        )}
        <div className="gh-graphiql">
          <GraphiQL
            fetcher={fetcher}
            plugins={PLUGINS}
            defaultTabs={EXAMPLE_TABS}
            storage={storage}
            shouldPersistHeaders={false}
            isHeadersEditorEnabled={false}
          >
            <GraphiQL.Footer>
              <ExamplesForIdentity />
            </GraphiQL.Footer>
          </GraphiQL>
        </div>
      </div>
    </AccessContext.Provider>
  );
}

const container = document.getElementById("playground");
if (container) {
  createRoot(container).render(
    <StrictMode>
      <App config={readConfig()} />
    </StrictMode>,
  );
}
