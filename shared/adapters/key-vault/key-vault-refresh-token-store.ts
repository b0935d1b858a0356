// The newest Partner Center refresh token in Azure Key Vault, reached through the app's managed
// identity: one secret whose value is the token, a new version at each rotation, and which
// configured token the line started from, and when, kept as the secret's tags.
import type { KeyVaultSecret, SecretClient } from "@azure/keyvault-secrets";
import { z } from "zod";
import { BridgeError } from "../../lib/errors.js";
import type { RefreshTokenStore, StoredRefreshToken } from "../partner-center/partner-center-tokens.js";

/** Tells operators browsing the vault what the secret holds; Key Vault does not interpret it. */
export const REFRESH_TOKEN_CONTENT_TYPE = "application/vnd.partner-center.refresh-token";

const Tags = z.object({ seededFrom: z.string().regex(/^[0-9a-f]{64}$/), savedAt: z.string().min(1) });

/** Key Vault refused or failed a request. Carries the status and Key Vault's error code, never the secret's value. */
export class RefreshTokenVaultError extends BridgeError {
  override readonly name = "RefreshTokenVaultError";

  constructor(
    readonly operation: "load" | "save",
    /** Read by the token source to name the failure in /api/health, e.g. `key vault 403 Forbidden`. */
    readonly errorCode: string,
    readonly statusCode: number | undefined,
    options: { cause: unknown },
  ) {
    super(
      "refresh-token-store-failed",
      `could not ${operation} the Partner Center refresh token: ${errorCode}`,
      options,
    );
  }
}

/** The fields of the SDK's RestError this adapter reads (it is not exported by @azure/keyvault-secrets). */
const RestErrorShape = z.object({
  name: z.literal("RestError"),
  statusCode: z.number().optional(),
  code: z.string().optional(),
});

function translated(operation: "load" | "save", error: unknown): RefreshTokenVaultError {
  const rest = RestErrorShape.safeParse(error);
  if (!rest.success)
    return new RefreshTokenVaultError(operation, "key vault request failed", undefined, { cause: error });
  const { statusCode, code } = rest.data;
  // Without a status the request never got an answer (connection, DNS or TLS failure).
  if (statusCode === undefined)
    return new RefreshTokenVaultError(operation, "key vault unreachable", undefined, { cause: error });
  return new RefreshTokenVaultError(
    operation,
    `key vault ${statusCode}${code === undefined ? "" : ` ${code.slice(0, 64)}`}`,
    statusCode,
    { cause: error },
  );
}

export class KeyVaultRefreshTokenStore implements RefreshTokenStore {
  readonly #client: SecretClient;
  readonly #secretName: string;

  constructor(client: SecretClient, secretName: string) {
    this.#client = client;
    this.#secretName = secretName;
  }

  async load(): Promise<StoredRefreshToken | undefined> {
    let secret: KeyVaultSecret;
    try {
      secret = await this.#client.getSecret(this.#secretName);
    } catch (error) {
      // Nothing saved yet (SecretNotFound): the configured token starts the line.
      if (RestErrorShape.safeParse(error).data?.statusCode === 404) return undefined;
      throw translated("load", error);
    }
    // A version written by hand (no tags) says nothing about its line: the configured token wins.
    const tags = Tags.safeParse(secret.properties.tags ?? {});
    if (!tags.success || secret.value === undefined || secret.value === "") return undefined;
    return { token: secret.value, seededFrom: tags.data.seededFrom, savedAt: tags.data.savedAt };
  }

  async save(token: StoredRefreshToken): Promise<void> {
    try {
      await this.#client.setSecret(this.#secretName, token.token, {
        contentType: REFRESH_TOKEN_CONTENT_TYPE,
        tags: { seededFrom: token.seededFrom, savedAt: token.savedAt },
      });
    } catch (error) {
      throw translated("save", error);
    }
  }
}
