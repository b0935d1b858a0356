// The storage account: the Functions host's own storage (AzureWebJobsStorage) and the escalations
// table, both reached with the app's identity. Elastic Premium also needs an Azure Files content
// share, which only a key can mount: shared keys stay on for that plan alone.
@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Region of the account.')
param location string

@description('Tags for the account.')
param tags object

@description('Flex Consumption (true) or Elastic Premium (false): which plan the account serves.')
param useFlexConsumption bool

@description('Blob container Flex Consumption deploys the app package to.')
param deploymentContainerName string

@description('Azure Files share Elastic Premium keeps the app content in.')
param contentShareName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: !useFlexConsumption
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (useFlexConsumption) {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = if (!useFlexConsumption) {
  parent: account
  name: 'default'
}

resource contentShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = if (!useFlexConsumption) {
  parent: fileService
  name: contentShareName
}

output name string = account.name
output deploymentContainerName string = deploymentContainerName
output contentShareName string = contentShareName
