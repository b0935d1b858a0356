// The Partner Center channel as the app settings describe it: MSAL tokens from the China
// authority and the REST channel over them. How MSAL reaches a plain-http authority (the local
// sandbox) is the caller's choice, so no sandbox plumbing lives among the production adapters.
import type { INetworkModule } from "@azure/msal-node";
import type { PartnerCenterConfig } from "../../settings/forwarding-settings.js";
import { PartnerCenterChannel } from "./partner-center-channel.js";
import { MsalTokenSource, type CredentialState, type RefreshTokenStore } from "./partner-center-tokens.js";

/** Where MSAL sends its requests instead of the configured authority, and the authority it is told. */
export interface MsalRoute {
  authority: string;
  networkClient: INetworkModule;
}

export interface PartnerCenterChannelOptions {
  /** undefined in Azure: MSAL talks to the configured authority itself. */
  msalRoute: MsalRoute | undefined;
  /** The local sandbox's own request extensions, never sent to the real service. */
  sandboxExtensions: boolean;
  refreshTokens?: RefreshTokenStore;
  credentialState?: CredentialState;
}

export function buildPartnerCenterChannel(
  settings: PartnerCenterConfig,
  options: PartnerCenterChannelOptions,
): PartnerCenterChannel {
  const { msalRoute, refreshTokens, credentialState } = options;
  const tokens = new MsalTokenSource({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authority: msalRoute?.authority ?? settings.authority,
    grant: settings.grant,
    // A token request may take as long as a Partner Center call: both are bounded.
    timeoutMs: settings.timeoutMs,
    ...(refreshTokens === undefined ? {} : { refreshTokens }),
    ...(credentialState === undefined ? {} : { credentialState }),
    ...(msalRoute === undefined ? {} : { networkClient: msalRoute.networkClient }),
  });
  return new PartnerCenterChannel({
    apiUrl: settings.apiUrl,
    tokens,
    locale: settings.locale,
    timeoutMs: settings.timeoutMs,
    supportTopicId: settings.supportTopicId,
    sandboxCustomerTenantParameter: options.sandboxExtensions,
    ...(credentialState === undefined ? {} : { credentialState }),
  });
}
