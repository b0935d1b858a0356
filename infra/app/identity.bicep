// The app's one user-assigned identity: every connection (storage, Service Bus, Key Vault,
// Application Insights) authenticates with it, so its roles in rbac.bicep are all it can do.
@description('Name of the identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
