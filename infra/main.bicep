// The whole escalation bridge in one resource group: Functions app, storage, Service Bus, Key
// Vault, monitoring and alerts. Written for Azure operated by 21Vianet (China regions); every
// endpoint comes from environment() or the resources themselves, never from a cloud suffix.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource: a China region in production; the global ones are for trying the template out.')
@allowed([
  'chinaeast'
  'chinaeast2'
  'chinaeast3'
  'chinanorth'
  'chinanorth2'
  'chinanorth3'
  'eastasia'
  'southeastasia'
  'eastus'
  'eastus2'
  'northeurope'
  'westeurope'
  'swedencentral'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Functions hosting plan. auto: Elastic Premium in China regions (Flex Consumption is not confirmed there), Flex Consumption elsewhere.')
@allowed([
  'auto'
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'auto'

@description('Object id of the person running azd: may set the secrets the app reads (Key Vault Secrets Officer on the app vault). Empty: nobody.')
param principalId string = ''

@description('The partner tenant (id or domain) in the China cloud, for Partner Center.')
param partnerCenterTenantId string = ''

@description('The Partner Center app registration (client id) in the China cloud.')
param partnerCenterClientId string = ''

@description('The Partner Center support topic every created service request names.')
param partnerCenterSupportTopicId string = ''

@description('Where alerts are sent (an operator mailbox or distribution list). Empty: alerts fire without notifying anyone.')
param alertEmail string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var useFlexConsumption = hostingPlan == 'FlexConsumption' || (hostingPlan == 'auto' && !startsWith(location, 'china'))
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    useFlexConsumption: useFlexConsumption
    deploymentContainerName: 'app-package-${resourceToken}'
    contentShareName: functionAppName
  }
}

module serviceBus 'app/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    appVaultName: '${abbrs.keyVaultVaults}${resourceToken}'
    tokenVaultName: '${abbrs.keyVaultTokenVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    queueNames: serviceBus.outputs.queueNames
    appVaultName: keyVault.outputs.appVaultName
    tokenVaultName: keyVault.outputs.tokenVaultName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    useFlexConsumption: useFlexConsumption
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    contentShareName: storage.outputs.contentShareName
    serviceBusNamespaceName: serviceBus.outputs.name
    appVaultName: keyVault.outputs.appVaultName
    tokenVaultName: keyVault.outputs.tokenVaultName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    partnerCenterTenantId: partnerCenterTenantId
    partnerCenterClientId: partnerCenterClientId
    partnerCenterSupportTopicId: partnerCenterSupportTopicId
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    alertEmail: alertEmail
    tags: tags
    serviceBusNamespaceName: serviceBus.outputs.name
    queueNames: serviceBus.outputs.queueNames
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_HOSTING_PLAN string = useFlexConsumption ? 'FlexConsumption' : 'ElasticPremium'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.appVaultName
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.appVaultUri
output AZURE_TOKEN_KEY_VAULT_NAME string = keyVault.outputs.tokenVaultName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
