// The Flex Consumption (FC1, Linux) plan and function app, running Node 22 under the app's
// user-assigned identity.
//
// App settings are exactly the variables the configuration module reads (src/config/variables.ts)
// plus the host's own identity-based storage and telemetry settings; test/infra checks the two
// lists against each other. Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME,
// WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE and the content-share settings: the
// runtime and version live in functionAppConfig.runtime instead, and the package in
// functionAppConfig.deployment.

@description('Function app name (globally unique host name).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Region.')
param location string

@description('Tags; the app also gets azd-service-name: api so azd deploys to it.')
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Storage account for the host, the deployment package, tables and queues.')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Key Vault URI (KEY_VAULT_URL).')
param keyVaultUri string

@description('CLIENT_SECRET_NAME.')
param clientSecretName string

@description('SESSION_SECRET_NAME.')
param sessionSecretName string

@description('APP_CLIENT_ID.')
param appClientId string

@description('APP_TENANT_ID.')
param appTenantId string

@description('API_AUDIENCE.')
param apiAudience string

@description('AUTHORITY_HOST.')
param authorityHost string

@description('GRAPH_BASE_URL.')
param graphBaseUrl string

@description('SYNC_SCHEDULE.')
param syncSchedule string

@description('SYNC_MIN_INTERVAL_MINUTES.')
param syncMinIntervalMinutes string

@description('SYNC_JITTER_SECONDS.')
param syncJitterSeconds string

@description('SYNC_TIME_BUDGET_SECONDS.')
param syncTimeBudgetSeconds string

@description('SYNC_MAX_DELETE_PERCENT.')
param syncMaxDeletePercent string

@description('SYNC_MAX_INLINE_WAIT_SECONDS.')
param syncMaxInlineWaitSeconds string

@description('CONSENT_GRACE_MINUTES.')
param consentGraceMinutes string


@allowed([
  512
  2048
  4096
])
@description('Memory per instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound on instances.')
param maximumInstanceCount int = 40

@allowed([
  '22'
])
@description('Node.js major version (functionAppConfig.runtime.version).')
param nodeVersion string = '22'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux.
    reserved: true
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
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
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
        version: nodeVersion
      }
    }
  }
}

// The complete list of app settings (this resource replaces whatever was there).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host storage, identity-based: no connection string, no key. The queue trigger and output
    // bindings use connection 'AzureWebJobsStorage'; the app's table client reads the table URI
    // and client id below.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    // Our landing page owns '/'.
    AzureWebJobsDisableHomepage: 'true'
    // Telemetry with the identity (the component has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // The configuration module (src/config/settings.ts).
    APP_CLIENT_ID: appClientId
    APP_TENANT_ID: appTenantId
    API_AUDIENCE: apiAudience
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
    KEY_VAULT_URL: keyVaultUri
    CLIENT_SECRET_NAME: clientSecretName
    SESSION_SECRET_NAME: sessionSecretName
    AUTHORITY_HOST: authorityHost
    GRAPH_BASE_URL: graphBaseUrl
    SYNC_SCHEDULE: syncSchedule
    SYNC_MIN_INTERVAL_MINUTES: syncMinIntervalMinutes
    SYNC_JITTER_SECONDS: syncJitterSeconds
    SYNC_TIME_BUDGET_SECONDS: syncTimeBudgetSeconds
    SYNC_MAX_DELETE_PERCENT: syncMaxDeletePercent
    SYNC_MAX_INLINE_WAIT_SECONDS: syncMaxInlineWaitSeconds
    CONSENT_GRACE_MINUTES: consentGraceMinutes
    AZURE_CLIENT_ID: identityClientId
  }
}

// Deployments authenticate with Entra ID (azd, az, VS Code); no FTP/SCM basic-auth passwords.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
