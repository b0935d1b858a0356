// Two vaults with Azure RBAC and purge protection. The app vault holds what people put there and
// the app only reads (Partner Center client secret, the refresh token seed, webhook secrets and
// the JSON settings that carry them). The token vault holds only the rotated refresh token, the
// one secret the app writes: its write role is scoped to that vault, since a role on a single
// secret needs the secret to exist before the app has written it.
@description('Name of the vault the app reads its secrets from.')
param appVaultName string

@description('Name of the vault the app keeps the rotated Partner Center refresh token in.')
param tokenVaultName string

@description('Region of both vaults.')
param location string

@description('Tags for both vaults.')
param tags object

var vaultProperties = {
  tenantId: tenant().tenantId
  sku: {
    family: 'A'
    name: 'standard'
  }
  enableRbacAuthorization: true
  enableSoftDelete: true
  softDeleteRetentionInDays: 90
  enablePurgeProtection: true
  publicNetworkAccess: 'Enabled'
}

resource appVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: appVaultName
  location: location
  tags: tags
  properties: vaultProperties
}

resource tokenVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: tokenVaultName
  location: location
  tags: tags
  properties: vaultProperties
}

output appVaultName string = appVault.name
output appVaultUri string = appVault.properties.vaultUri
output tokenVaultName string = tokenVault.name
