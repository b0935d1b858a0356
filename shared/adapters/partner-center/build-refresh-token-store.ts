// Where the newest Partner Center refresh token is kept, as the settings chose: Key Vault through
// the managed identity when a vault is named, otherwise the app's own table.
import type { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { RefreshTokenStoreChoice } from "../../settings/forwarding-settings.js";
import { KeyVaultRefreshTokenStore } from "../key-vault/key-vault-refresh-token-store.js";
import type { RefreshTokenStore } from "./partner-center-tokens.js";
import { TableRefreshTokenStore } from "../table-storage/table-refresh-token-store.js";

/** `credential` is asked for only when the vault is used, so Table-only runs never build one. */
export function buildRefreshTokenStore(
  choice: RefreshTokenStoreChoice,
  clients: { table: TableClient; credential: () => TokenCredential },
): RefreshTokenStore {
  if (choice.kind === "table") return new TableRefreshTokenStore(clients.table);
  return new KeyVaultRefreshTokenStore(new SecretClient(choice.vaultUrl, clients.credential()), choice.secretName);
}
