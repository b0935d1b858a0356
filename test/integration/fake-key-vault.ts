// A Key Vault on 127.0.0.1 speaking the subset of the secrets REST API that SecretClient uses
// (get the newest version, set a new version), over TLS with a throwaway self-signed certificate
// made at start, and with Key Vault's bearer challenge: a request without the expected token gets
// 401 and a WWW-Authenticate naming the authority and resource, as the real service answers.
import { randomBytes } from "node:crypto";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";
import { z } from "zod";

export const FAKE_VAULT_ACCESS_TOKEN = "fake-vault-access-token";
export const FAKE_VAULT_CHALLENGE =
  'Bearer authorization="https://login.example/tenant", resource="https://vault.azure.net"';

interface SecretVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Record<string, string> | undefined;
  created: number;
}

export interface FakeVaultRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
}

export interface FakeKeyVault {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The certificate (PEM) the vault presents: trust it per client, never process-wide. */
  certificate: string;
  received: FakeVaultRequest[];
  /** Every version of a secret, oldest first. */
  versions(name: string): readonly SecretVersion[];
  /** Answers every authorised request for this secret with `status` (e.g. 403 Forbidden). */
  refuse(name: string, status: number, code: string): void;
  close(): Promise<void>;
}

const SetSecretBody = z.object({
  value: z.string(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

const SECRET_PATH = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]*))?\/?$/;

export async function startFakeKeyVault(): Promise<FakeKeyVault> {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ],
  });
  const secrets = new Map<string, SecretVersion[]>();
  const refusals = new Map<string, { status: number; code: string }>();
  const received: FakeVaultRequest[] = [];
  let url = "";

  const bundle = (name: string, secret: SecretVersion) => ({
    value: secret.value,
    id: `${url}/secrets/${name}/${secret.version}`,
    ...(secret.contentType === undefined ? {} : { contentType: secret.contentType }),
    ...(secret.tags === undefined ? {} : { tags: secret.tags }),
    attributes: {
      enabled: true,
      created: secret.created,
      updated: secret.created,
      recoveryLevel: "Recoverable+Purgeable",
      recoverableDays: 90,
    },
  });

  const server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const target = new URL(request.url ?? "/", url);
      const method = request.method ?? "";
      const authorization = request.headers.authorization;
      received.push({
        method,
        path: target.pathname,
        apiVersion: target.searchParams.get("api-version"),
        authorization,
      });
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
        response.end(body === undefined ? "" : JSON.stringify(body));
      };
      const error = (status: number, code: string, message: string) => answer(status, { error: { code, message } });
      if (authorization !== `Bearer ${FAKE_VAULT_ACCESS_TOKEN}`) {
        answer(
          401,
          { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } },
          { "WWW-Authenticate": FAKE_VAULT_CHALLENGE },
        );
        return;
      }
      if (target.searchParams.get("api-version") === null) {
        error(400, "BadParameter", "The api-version query parameter is required.");
        return;
      }
      const match = SECRET_PATH.exec(target.pathname);
      const name = match?.[1];
      if (name === undefined) {
        error(404, "NotFound", "No such operation.");
        return;
      }
      const refusal = refusals.get(name);
      if (refusal !== undefined) {
        error(
          refusal.status,
          refusal.code,
          "The user, group or application does not have secrets permission on this key vault.",
        );
        return;
      }
      const versions = secrets.get(name) ?? [];
      if (method === "GET") {
        const wanted =
          match?.[2] === undefined || match[2] === ""
            ? versions.at(-1)
            : versions.find((secret) => secret.version === match[2]);
        if (wanted === undefined)
          error(404, "SecretNotFound", `A secret with (name/id) ${name} was not found in this key vault.`);
        else answer(200, bundle(name, wanted));
        return;
      }
      if (method === "PUT" && (match?.[2] ?? "") === "") {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = undefined;
        }
        const parsed = SetSecretBody.safeParse(body);
        if (!parsed.success) {
          error(400, "BadParameter", "The request body is not a secret.");
          return;
        }
        const created: SecretVersion = {
          version: randomBytes(16).toString("hex"),
          value: parsed.data.value,
          contentType: parsed.data.contentType,
          tags: parsed.data.tags,
          created: Math.floor(Date.now() / 1000),
        };
        secrets.set(name, [...versions, created]);
        answer(200, bundle(name, created));
        return;
      }
      error(405, "MethodNotAllowed", "Not supported by this vault.");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    certificate: pems.cert,
    received,
    versions: (name) => secrets.get(name) ?? [],
    refuse: (name, status, code) => refusals.set(name, { status, code }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
