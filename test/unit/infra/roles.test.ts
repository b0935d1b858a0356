// Each connection's identity has its role, at the narrowest scope, and no more: the app's
// identity is never an owner, and writes secrets only in the token vault.
import { describe, expect, it } from "vitest";
import type { Node } from "web-tree-sitter";
import {
  at,
  bicepFiles,
  descendants,
  literal,
  modules,
  named,
  parseInfraFile,
  properties,
  resources,
  variable,
} from "./bicep.js";

/** Azure's built-in role definition ids (the same in every cloud). */
const BUILT_IN = {
  serviceBusDataSender: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
  serviceBusDataReceiver: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
};

/** Roles the app must never hold: Owner, Contributor, Service Bus Data Owner, Key Vault Administrator. */
const TOO_BROAD = [
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "090c5cfd-751d-490a-894a-3ce6f1109419",
  "00482a5a-887f-4fb3-b363-3b7fe8e74483",
];

interface Assignment {
  principal: string;
  role: string;
  /** The Azure type of the resource the role is scoped to. */
  scopeType: string;
  scope: string;
}

async function assignments(): Promise<Assignment[]> {
  const root = await parseInfraFile("app/rbac.bicep");
  const roles = properties(variable(root, "roles"));
  const declared = resources(root);
  return declared
    .filter((resource) => resource.target.startsWith("Microsoft.Authorization/roleAssignments@"))
    .map((resource) => {
      const scope = at(resource.body, "scope")?.text ?? "";
      const roleName = /roles\.(\w+)/.exec(at(resource.body, "properties", "roleDefinitionId")?.text ?? "")?.[1] ?? "";
      return {
        principal: at(resource.body, "properties", "principalId")?.text ?? "",
        role: literal(roles.get(roleName)) ?? `unknown ${roleName}`,
        scope,
        scopeType: named(declared, scope.replace(/\[.*\]$/, "")).target.split("@")[0] ?? "",
      };
    });
}

function rolesOf(all: Assignment[], principal: string, scopeType: string): string[] {
  return all
    .filter((assignment) => assignment.principal === principal && assignment.scopeType === scopeType)
    .map((assignment) => assignment.role)
    .sort();
}

describe("the app identity's roles (rbac.bicep)", () => {
  it("when the names in rbac.bicep are read, then each is the built-in role it says", async () => {
    const roles = properties(variable(await parseInfraFile("app/rbac.bicep"), "roles"));

    expect(Object.fromEntries([...roles].map(([name, id]) => [name, literal(id)]))).toEqual(BUILT_IN);
  });

  it("when ServiceBusConnection sends and receives, then the identity is Data Sender and Data Receiver on each queue, not Owner", async () => {
    const all = await assignments();

    expect(rolesOf(all, "appPrincipalId", "Microsoft.ServiceBus/namespaces/queues")).toEqual(
      [BUILT_IN.serviceBusDataSender, BUILT_IN.serviceBusDataReceiver].sort(),
    );
    expect(rolesOf(all, "appPrincipalId", "Microsoft.ServiceBus/namespaces")).toEqual([]);
  });

  it("when EscalationsStorage and AzureWebJobsStorage connect, then the identity has table and blob data roles on the account", async () => {
    expect(rolesOf(await assignments(), "appPrincipalId", "Microsoft.Storage/storageAccounts")).toEqual(
      [BUILT_IN.storageTableDataContributor, BUILT_IN.storageBlobDataOwner].sort(),
    );
  });

  it("when Key Vault references resolve and the rotated token is saved, then the identity reads the app vault and writes only the token vault", async () => {
    const all = (await assignments()).filter(
      (assignment) => assignment.principal === "appPrincipalId" && assignment.scopeType === "Microsoft.KeyVault/vaults",
    );

    expect(all.map(({ role, scope }) => ({ role, scope }))).toEqual(
      expect.arrayContaining([
        { role: BUILT_IN.keyVaultSecretsUser, scope: "appVault" },
        { role: BUILT_IN.keyVaultSecretsOfficer, scope: "tokenVault" },
      ]),
    );
    expect(all).toHaveLength(2);
  });

  it("when telemetry is sent with Entra authentication, then the identity publishes metrics to Application Insights", async () => {
    expect(rolesOf(await assignments(), "appPrincipalId", "Microsoft.Insights/components")).toEqual([
      BUILT_IN.monitoringMetricsPublisher,
    ]);
  });

  it("when any Bicep file is read, then no owner, contributor or administrator role id appears", async () => {
    const texts = (await Promise.all(bicepFiles().map((file) => parseInfraFile(file)))).flatMap((root: Node) =>
      descendants(root, "string").map((node) => node.text.toLowerCase()),
    );

    for (const role of TOO_BROAD) expect(texts.filter((text) => text.includes(role))).toEqual([]);
  });
});

describe("one identity for every connection (main.bicep)", () => {
  it("when the modules are wired, then the roles go to the identity whose client id the connections name, on the resources they reach", async () => {
    const declared = modules(await parseInfraFile("main.bicep"));
    const rbac = named(declared, "rbac").body;
    const app = named(declared, "functionApp").body;

    expect(at(rbac, "params", "appPrincipalId")?.text).toBe("identity.outputs.principalId");
    expect(at(app, "params", "identityClientId")?.text).toBe("identity.outputs.clientId");
    expect(at(app, "params", "identityId")?.text).toBe("identity.outputs.id");
    for (const shared of [
      "storageAccountName",
      "serviceBusNamespaceName",
      "appVaultName",
      "tokenVaultName",
      "applicationInsightsName",
    ])
      expect(at(app, "params", shared)?.text, shared).toBe(at(rbac, "params", shared)?.text);
  });

  it("when the app resolves Key Vault references and connects, then it uses the user-assigned identity", async () => {
    const site = named(resources(await parseInfraFile("app/function-app.bicep")), "site").body;

    expect(at(site, "identity", "type")?.text).toBe("'UserAssigned'");
    expect(at(site, "properties", "keyVaultReferenceIdentity")?.text).toBe("identityId");
  });
});
