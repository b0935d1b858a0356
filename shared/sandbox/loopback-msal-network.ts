// MSAL accepts only https authorities, while the local Partner Center sandbox speaks plain http on
// loopback. This MSAL network module sends every request MSAL makes (instance discovery and
// metadata included) to one loopback origin, keeping path and query, so MSAL never leaves the
// machine. It is refused for anything but 127.0.0.1 / localhost: production never uses it.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** `http://127.0.0.1:1234/tenant` -> `https://127.0.0.1:1234/tenant`: the shape MSAL insists on. */
export function httpsShaped(url: string): string {
  return url.replace(/^http:/i, "https:");
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
