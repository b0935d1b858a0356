// The Partner Center channel as the app settings describe it: MSAL tokens from the China
// authority, the REST channel over them, and, for the local sandbox only, the loopback network
// client MSAL needs to reach a plain-http authority.
import type { PartnerCenterConfig } from "../../settings/forwarding-settings.js";
import { httpsShaped, isLoopbackUrl, loopbackNetworkClient } from "../../sandbox/loopback-msal-network.js";
import { PartnerCenterChannel } from "./partner-center-channel.js";
import { MsalTokenSource, type CredentialState, type RefreshTokenStore } from "./partner-center-tokens.js";

/** The Partner Center channel; against the local sandbox MSAL goes through a loopback network client. */
export function buildPartnerCenterChannel(
  settings: PartnerCenterConfig,
  keep: { refreshTokens?: RefreshTokenStore; credentialState?: CredentialState } = {},
): PartnerCenterChannel {
  const localAuthority = isLoopbackUrl(settings.authority);
  const tokens = new MsalTokenSource({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authority: localAuthority ? httpsShaped(settings.authority) : settings.authority,
    grant: settings.grant,
    // A token request may take as long as a Partner Center call: both are bounded.
    timeoutMs: settings.timeoutMs,
    ...keep,
    ...(localAuthority ? { networkClient: loopbackNetworkClient(new URL(settings.authority).origin) } : {}),
  });
  return new PartnerCenterChannel({
    apiUrl: settings.apiUrl,
    tokens,
    locale: settings.locale,
    timeoutMs: settings.timeoutMs,
    supportTopicId: settings.supportTopicId,
    // The sandbox's own extension, never sent to the real service.
    sandboxCustomerTenantParameter: isLoopbackUrl(settings.apiUrl),
    ...(keep.credentialState === undefined ? {} : { credentialState: keep.credentialState }),
  });
}
