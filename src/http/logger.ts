import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export interface LoggerSettings {
  /** pino's levels: fatal, error, warn, info, debug, trace, silent. Default `silent` (tests, embedding). */
  level?: string;
  /** Readable lines (pino-pretty, a development dependency) instead of JSON; JSON when it is not installed. */
  pretty?: boolean;
  /** Where the lines go (tests capture them); standard output by default. */
  stream?: DestinationStream;
}

/**
 * Whatever a line holds under these keys is replaced: credentials must never reach a log, even where a
 * developer logs a request or an error carelessly. The access line itself names no header and no body.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
  "headers.authorization",
  "headers.cookie",
  "authorization",
  "cookie",
  "password",
  "secret",
  "token",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.secret",
  "*.token",
  "*.accessToken",
  "*.access_token",
  "*.refresh_token",
  "*.id_token",
  "*.client_secret",
  "*.clientSecret",
  "*.variables",
];

function prettyTransport(): LoggerOptions["transport"] | undefined {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
  } catch {
    return undefined;
  }
  return { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } };
}

/** The instance's logger: JSON lines for production, readable ones in development. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? "silent",
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (settings.stream) return pino(options, settings.stream);
  const transport = settings.pretty ? prettyTransport() : undefined;
  return pino(transport ? { ...options, transport } : options);
}
