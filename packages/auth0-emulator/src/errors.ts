import { STATUS_CODES } from "node:http";

/** An error of Auth0's Authentication API: `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }

  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** An error of Auth0's Management API: `{ statusCode, error, message, errorCode }`. */
export class ManagementError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
  }

  get body(): { statusCode: number; error: string; message: string; errorCode?: string } {
    return {
      statusCode: this.statusCode,
      error: STATUS_CODES[this.statusCode] ?? "Error",
      message: this.message,
      ...(this.errorCode ? { errorCode: this.errorCode } : {}),
    };
  }
}

export function notFound(message: string, errorCode = "inexistent_resource"): ManagementError {
  return new ManagementError(404, message, errorCode);
}

export function badRequest(message: string, errorCode = "invalid_body"): ManagementError {
  return new ManagementError(400, message, errorCode);
}

export function conflict(message: string, errorCode = "conflict"): ManagementError {
  return new ManagementError(409, message, errorCode);
}
