// The Service Bus namespace (Standard: duplicate detection needs it) and every queue the app
// uses. The queues come from the emulator configuration `npm start` serves, so the local and the
// deployed queues cannot drift apart; each property is mapped one to one.
@description('Name of the namespace.')
param name string

@description('Region of the namespace.')
param location string

@description('Tags for the namespace.')
param tags object

var queues = loadJsonContent('../../local/service-bus/escalations.config.json', '$.UserConfig.Namespaces[0].Queues')

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = [for definition in queues: {
  parent: namespace
  name: definition.Name
  properties: {
    lockDuration: definition.Properties.LockDuration
    maxDeliveryCount: definition.Properties.MaxDeliveryCount
    requiresDuplicateDetection: definition.Properties.RequiresDuplicateDetection
    duplicateDetectionHistoryTimeWindow: definition.Properties.DuplicateDetectionHistoryTimeWindow
    defaultMessageTimeToLive: definition.Properties.DefaultMessageTimeToLive
    deadLetteringOnMessageExpiration: definition.Properties.DeadLetteringOnMessageExpiration
    requiresSession: definition.Properties.RequiresSession
  }
}]

output name string = namespace.name
output queueNames array = [for definition in queues: definition.Name]
