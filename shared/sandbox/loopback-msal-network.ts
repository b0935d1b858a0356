// MSAL accepts only https authorities, while the local Partner Center sandbox speaks plain http on
// loopback. This MSAL network module sends every request MSAL makes (instance discovery and
// metadata included) to one loopback origin, keeping path and query, so MSAL never leaves the
// machine. It is refused for anything but 127.0.0.1 / localhost: production never uses it, and only
// the composition root reaches this module.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import type { MsalRoute } from "../adapters/partner-center/build-partner-center-channel.js";
import { isLoopbackUrl } from "../lib/loopback-url.js";

/** `http://127.0.0.1:1234/tenant` -> `https://127.0.0.1:1234/tenant`: the shape MSAL insists on. */
function httpsShaped(url: string): string {
  return url.replace(/^http:/i, "https:");
}

/**
 * The Partner Center channel's options for the endpoints the settings name: against the local
 * sandbox (loopback URLs), MSAL goes through the loopback network client and the sandbox's request
 * extensions are on; against anything else, nothing changes.
 */
export function sandboxChannelOptions(settings: { authority: string; apiUrl: string }): {
  msalRoute: MsalRoute | undefined;
  sandboxExtensions: boolean;
} {
  const msalRoute = isLoopbackUrl(settings.authority)
    ? {
        authority: httpsShaped(settings.authority),
        networkClient: loopbackNetworkClient(new URL(settings.authority).origin),
      }
    : undefined;
  return { msalRoute, sandboxExtensions: isLoopbackUrl(settings.apiUrl) };
}

export function loopbackNetworkClient(
  baseUrl: string,
  onRequest?: (method: string, url: string) => void,
): INetworkModule {
  if (!isLoopbackUrl(baseUrl))
    throw new Error(`the loopback MSAL network client only talks to 127.0.0.1 or localhost, not ${baseUrl}`);
  const base = new URL(baseUrl);
  async function call<T>(
    method: string,
    target: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    onRequest?.(method, target);
    const original = new URL(target);
    const routed = new URL(`${original.pathname}${original.search}`, base);
    const response = await fetch(routed, {
      method,
      ...(options?.headers === undefined ? {} : { headers: options.headers }),
      ...(options?.body === undefined ? {} : { body: options.body }),
      ...(timeout === undefined ? {} : { signal: AbortSignal.timeout(timeout) }),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    return { headers, status: response.status, body: (text === "" ? {} : JSON.parse(text)) as T };
  }
  return {
    sendGetRequestAsync: (target, options, timeout) => call("GET", target, options, timeout),
    sendPostRequestAsync: (target, options) => call("POST", target, options),
  };
}
