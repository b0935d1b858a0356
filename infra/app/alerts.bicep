// Alerts that page a person through one action group: dead letters on any queue (metric), and
// from the app's telemetry escalations ending failed, forwarder failures, Partner Center
// refusing the credentials, and the health check failing. The log alerts match the messages
// the app writes (shared/handlers); a test keeps the two in step.
@description('Name of the action group.')
param actionGroupName string

@description('Mailbox the action group notifies; empty: the alerts fire without notifying anyone.')
param alertEmail string

@description('Region of the log alert rules (the region of Application Insights).')
param location string

@description('Tags for every alert resource.')
param tags object

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Names of the queues whose dead letters page someone.')
param queueNames array

@description('Name of the Application Insights component the log alerts query.')
param applicationInsightsName string

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = {
  name: serviceBusNamespaceName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'escalations'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// The app drains each dead-letter queue into its dead-letter log, so a count that stays above
// zero means the dead-letter handler is not keeping up or not running.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = [for queueName in queueNames: {
  name: 'dead-letters-${queueName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages are waiting in the dead-letter queue of ${queueName}.'
    severity: 1
    enabled: true
    scopes: [
      namespace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered-messages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                queueName
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}]

// The messages the app logs (shared/handlers) and the functions it registers (functions/).
var logMessages = {
  forwardingSettled: 'forwarding settled'
  forwarderDeadLetter: 'message recorded as a dead letter'
  queueDeadLetter: 'dead-lettered message recorded'
  escalationFailed: 'escalation-failed'
  credentialsRefused: 'Partner Center refused our credentials'
  healthCheckFailed: 'health check failed'
  retentionCouldNotSettle: 'data retention could not settle an escalation'
}
var functionNames = {
  forwarder: 'forward-escalation'
  health: 'health'
  dataRetention: 'data-retention'
}

var logAlerts = [
  {
    name: 'escalations-failed'
    description: 'An escalation ended failed: it will not reach 21Vianet unless an operator replays it.'
    severity: 1
    query: 'traces | where (message has "${logMessages.forwardingSettled}" and message has "failed") or message has "${logMessages.escalationFailed}"'
  }
  {
    name: 'forwarder-failures'
    description: 'The forwarder failed a run or gave a message up as a dead letter.'
    severity: 2
    query: 'union (traces | where message has "${logMessages.forwarderDeadLetter}" or message has "${logMessages.queueDeadLetter}"), (requests | where name == "${functionNames.forwarder}" and success == false)'
  }
  {
    name: 'partner-center-authorisation'
    description: 'Partner Center refused the app\'s credentials: renew the refresh token or the client secret.'
    severity: 1
    query: 'traces | where message has "${logMessages.credentialsRefused}" or (message has "${logMessages.healthCheckFailed}" and message has "unauthorised")'
  }
  {
    name: 'health-check-failing'
    description: 'The health check answered unhealthy: storage or Service Bus is out of reach.'
    severity: 1
    query: 'union (requests | where name == "${functionNames.health}" and toint(resultCode) >= 500), (traces | where message has "${logMessages.healthCheckFailed}")'
  }
  {
    name: 'data-retention-failing'
    description: 'The data-retention timer failed a run or could not erase or delete an escalation: personal data is kept past its retention.'
    severity: 2
    query: 'union (requests | where name == "${functionNames.dataRetention}" and success == false), (traces | where message has "${logMessages.retentionCouldNotSettle}")'
  }
]

resource logAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [for alert in logAlerts: {
  name: alert.name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: alert.name
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]
