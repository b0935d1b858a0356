// Shared helpers: a real MSAL confidential client against the sandbox, and a fetch wrapper
// that sends the Partner Center headers.
import { randomUUID } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import {
  DEFAULT_APP,
  DEFAULT_REFRESH_TOKEN,
  PARTNER_CENTER_USER_SCOPE,
  sandboxNetworkClient,
  type RunningSandbox,
} from "../../../../local/vianet-sandbox/index.js";

export function msalClient(
  sandbox: RunningSandbox,
  log?: string[],
  secret = DEFAULT_APP.clientSecret,
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId: DEFAULT_APP.clientId, clientSecret: secret, authority: sandbox.authority() },
    system: { networkClient: sandboxNetworkClient(sandbox.url, (method, url) => log?.push(`${method} ${url}`)) },
  });
}

/** An App+User access token through the Secure Application Model refresh-token flow. */
export async function userToken(sandbox: RunningSandbox): Promise<string> {
  const result = await msalClient(sandbox).acquireTokenByRefreshToken({
    refreshToken: DEFAULT_REFRESH_TOKEN,
    scopes: [PARTNER_CENTER_USER_SCOPE],
  });
  if (result === null) throw new Error("MSAL returned no token");
  return result.accessToken;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  requestId?: string;
  correlationId?: string;
  signal?: AbortSignal;
}

export async function call(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "MS-RequestId": options.requestId ?? randomUUID(),
    "MS-CorrelationId": options.correlationId ?? randomUUID(),
  };
  if (options.token !== undefined && options.token !== null) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

export const validBody = {
  Title: "Mailbox cannot receive external mail",
  Description: "Customer contoso.partner.onmschina.cn: MX verified, message trace attached. [bridge:esc-1]",
  Severity: "moderate",
  SupportTopicId: "32444671",
  PrimaryContact: {
    FirstName: "Li",
    LastName: "Wei",
    Email: "li.wei@partner.example.cn",
    PhoneNumber: "+86 21 5555 0100",
  },
  CountryCode: "CN",
  ProductName: "Office 365 operated by 21Vianet",
};
