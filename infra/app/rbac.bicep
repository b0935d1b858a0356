// Every role in one place, each at the narrowest scope its connection needs. The app's identity
// sends and receives on its queues (never Data Owner), reads and writes table entities and host
// blobs, reads the app vault's secrets, writes only in the token vault, and publishes telemetry.
@description('Principal id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Principal id of the person running azd, who puts the secrets into the app vault; empty: nobody.')
param operatorPrincipalId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Names of the queues the app sends to and receives from.')
param queueNames array

@description('Name of the vault the app reads its secrets from.')
param appVaultName string

@description('Name of the vault the app writes the rotated refresh token to.')
param tokenVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

// Built-in role definition ids (the same in every cloud).
var roles = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = {
  name: serviceBusNamespaceName
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' existing = [for queueName in queueNames: {
  parent: namespace
  name: queueName
}]

resource appVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: appVaultName
}

resource tokenVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: tokenVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// ServiceBusConnection: sends escalations and report deliveries, receives them and their dead letters.
resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, index) in queueNames: {
  name: guid(queues[index].id, appPrincipalId, roles.serviceBusDataSender)
  scope: queues[index]
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}]

resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, index) in queueNames: {
  name: guid(queues[index].id, appPrincipalId, roles.serviceBusDataReceiver)
  scope: queues[index]
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}]

// EscalationsStorage (the escalations table) and the host's own tables.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storageAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// AzureWebJobsStorage: the host's blobs (timer schedules, singleton leases, the Flex package).
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// Key Vault references in app settings.
resource appVaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appVault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: appVault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: the refresh token store reads and writes its secret.
resource tokenVaultWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(tokenVault.id, appPrincipalId, roles.keyVaultSecretsOfficer)
  scope: tokenVault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

// APPLICATIONINSIGHTS_AUTHENTICATION_STRING: local auth is off, so ingestion needs this role.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// The operator sets the app vault's secrets after provisioning (see the README).
resource operatorSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(appVault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: appVault
  properties: {
    principalId: operatorPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}
