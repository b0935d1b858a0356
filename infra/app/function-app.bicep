// The Function App (Node.js 22, Linux) on Flex Consumption or Elastic Premium, with every app
// setting it needs in Azure: identity-based connections with explicit service URIs, Key Vault
// references for everything secret, and the queue names its triggers resolve.
@description('Name of the Function App.')
param name string

@description('Name of the hosting plan.')
param planName string

@description('Region of the plan and the app.')
param location string

@description('Tags; the app also gets azd\'s service tag.')
param tags object

@description('Flex Consumption (true) or Elastic Premium (false).')
param useFlexConsumption bool

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of the app\'s user-assigned identity.')
param identityClientId string

@description('Name of the storage account.')
param storageAccountName string

@description('Blob container of the Flex Consumption package.')
param deploymentContainerName string

@description('Azure Files share of the Elastic Premium content.')
param contentShareName string

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Name of the vault the app reads its secrets from.')
param appVaultName string

@description('Name of the vault the app keeps the rotated refresh token in.')
param tokenVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('The partner tenant in the China cloud.')
param partnerCenterTenantId string

@description('The Partner Center app registration (client id).')
param partnerCenterClientId string

@description('The Partner Center support topic of created requests.')
param partnerCenterSupportTopicId string

@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@description('Most instances Flex Consumption scales out to.')
param maximumInstanceCount int = 40

@description('Most instances Elastic Premium scales out to.')
param maximumElasticWorkerCount int = 20

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = {
  name: serviceBusNamespaceName
}

resource appVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: appVaultName
}

resource tokenVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: tokenVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// The secrets people put into the app vault after provisioning (see the README).
var secretNames = {
  clientSecret: 'partner-center-client-secret'
  refreshTokenSeed: 'partner-center-refresh-token-seed'
  callers: 'escalation-callers'
  webhookSenders: 'escalation-webhook-senders'
  reportWebhooks: 'metrics-webhooks'
  contentConnection: 'functions-content-connection'
}

// Built from the vault's name and the cloud's own Key Vault suffix, so it is known before deployment.
var appVaultUri = 'https://${appVaultName}${environment().suffixes.keyvaultDns}/'

// The namespace's endpoint is https://<host>:443/: the identity connection wants the host alone.
var serviceBusHost = split(split(split(namespace.properties.serviceBusEndpoint, '://')[1], '/')[0], ':')[0]

// What the app reads (shared/settings): every setting it needs in Azure, secrets as Key Vault references.
var appSettings = {
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusHost
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  EscalationsStorage__tableServiceUri: storageAccount.properties.primaryEndpoints.table
  ESCALATIONS_QUEUE_NAME: 'escalations'
  METRICS_DELIVERY_QUEUE_NAME: 'report-deliveries'
  EVENT_DELIVERY_QUEUE_NAME: 'event-deliveries'
  ESCALATION_CALLERS: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.callers}/)'
  ESCALATION_WEBHOOK_SENDERS: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.webhookSenders}/)'
  METRICS_WEBHOOKS: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.reportWebhooks}/)'
  PARTNER_CENTER_TENANT_ID: partnerCenterTenantId
  PARTNER_CENTER_CLIENT_ID: partnerCenterClientId
  PARTNER_CENTER_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.clientSecret}/)'
  PARTNER_CENTER_REFRESH_TOKEN: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.refreshTokenSeed}/)'
  PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: tokenVault.properties.vaultUri
  PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: 'partner-center-refresh-token'
  PARTNER_CENTER_SUPPORT_TOPIC_ID: partnerCenterSupportTopicId
  PUBLIC_HOST: site.properties.defaultHostName
  // DefaultAzureCredential in the app's own clients picks the user-assigned identity by this.
  AZURE_CLIENT_ID: identityClientId
}

// What the Functions host reads: its storage through the identity, with every service URI given
// (some extensions would otherwise build global host names from an account name), and telemetry.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageAccount.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageAccount.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storageAccount.properties.primaryEndpoints.table
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Elastic Premium only: Flex Consumption takes the runtime from functionAppConfig and refuses these.
var premiumOnlySettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'node'
  WEBSITE_RUN_FROM_PACKAGE: '1'
  WEBSITE_CONTENTSHARE: contentShareName
  WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: '@Microsoft.KeyVault(SecretUri=${appVaultUri}secrets/${secretNames.contentConnection}/)'
  // The platform cannot check a share behind a Key Vault reference; storage.bicep creates it.
  WEBSITE_SKIP_CONTENTSHARE_VALIDATION: '1'
}
var premiumSettings = useFlexConsumption ? {} : premiumOnlySettings

var flexSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}
var premiumSku = {
  name: 'EP1'
  tier: 'ElasticPremium'
  family: 'EP'
}

// Flex Consumption: where the package is deployed, how far it scales, and the runtime.
var flexAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
      authentication: {
        type: 'UserAssignedIdentity'
        userAssignedIdentityResourceId: identityId
      }
    }
  }
  scaleAndConcurrency: {
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  runtime: {
    name: 'node'
    version: '22'
  }
}

// Azure Files mounts only with a key: kept in the vault, never in an app setting.
resource contentConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!useFlexConsumption) {
  parent: appVault
  name: secretNames.contentConnection
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storageAccount.name};AccountKey=${storageAccount.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: useFlexConsumption ? 'functionapp' : 'elastic'
  sku: useFlexConsumption ? flexSku : premiumSku
  properties: {
    reserved: true
    maximumElasticWorkerCount: useFlexConsumption ? null : maximumElasticWorkerCount
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  dependsOn: [
    contentConnection
  ]
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: useFlexConsumption ? flexAppConfig : null
    siteConfig: {
      linuxFxVersion: useFlexConsumption ? null : 'Node|22'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Elastic Premium scales on the app's own view of its queues (its identity, not a key).
      functionsRuntimeScaleMonitoringEnabled: !useFlexConsumption
      healthCheckPath: useFlexConsumption ? null : '/api/health'
      // Elastic Premium mounts its content share at creation, before the settings below are applied.
      appSettings: [for setting in items(premiumSettings): {
        name: setting.key
        value: setting.value
      }]
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, premiumSettings, appSettings)
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
