// The settings decide where the newest refresh token is kept: Key Vault when a vault is named,
// the app's table otherwise; building either store sends nothing anywhere.
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { buildRefreshTokenStore } from "../../../../shared/adapters/partner-center/build-refresh-token-store.js";
import { KeyVaultRefreshTokenStore } from "../../../../shared/adapters/key-vault/key-vault-refresh-token-store.js";
import { TableRefreshTokenStore } from "../../../../shared/adapters/table-storage/table-refresh-token-store.js";
import { loadConfig } from "../../../../shared/settings/app-settings.js";

const environment = {
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
  PARTNER_CENTER_TENANT_ID: "partner.partner.onmschina.cn",
  PARTNER_CENTER_CLIENT_ID: "00000000-0000-4000-8000-000000000001",
  PARTNER_CENTER_CLIENT_SECRET: "client-secret-placeholder",
  PARTNER_CENTER_REFRESH_TOKEN: "refresh-token-placeholder",
  PARTNER_CENTER_SUPPORT_TOPIC_ID: "32444671",
};

const table = TableClient.fromConnectionString("UseDevelopmentStorage=true", "escalations", {
  allowInsecureConnection: true,
});

function storeFor(settings: Record<string, string>) {
  const choice = loadConfig({ ...environment, ...settings }).forwarding.partnerCenter?.refreshTokenStore;
  if (choice === undefined) throw new Error("expected Partner Center settings");
  const credentialsBuilt: string[] = [];
  const credential = (): TokenCredential => {
    credentialsBuilt.push("managed identity");
    return { getToken: () => Promise.resolve(null) };
  };
  return { store: buildRefreshTokenStore(choice, { table, credential }), credentialsBuilt };
}

describe("buildRefreshTokenStore", () => {
  it("when no vault is named, then the table keeps the refresh token and no Azure credential is built", () => {
    const { store, credentialsBuilt } = storeFor({});
    expect(store).toBeInstanceOf(TableRefreshTokenStore);
    expect(credentialsBuilt).toEqual([]);
  });

  it("when a vault is named, then Key Vault keeps the refresh token, reached with the app's credential", () => {
    const { store, credentialsBuilt } = storeFor({
      PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "https://escalations-kv.vault.azure.cn/",
    });
    expect(store).toBeInstanceOf(KeyVaultRefreshTokenStore);
    expect(credentialsBuilt).toEqual(["managed identity"]);
  });
});
