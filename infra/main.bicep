// Tenant Sync: everything the app needs in one resource group, deployed with `azd up` or
// `az deployment sub create`.
//
// Scope: subscription. The template creates the resource group itself (like the azd quickstarts),
// so one command deploys from nothing; every resource below lives in that one group, which makes
// teardown a single `azd down` / `az group delete`.
//
// Raw resources only (no `br/public:` registry modules): nothing is hidden behind a module
// version, and the files can be parsed offline. See docs/deploy.md.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (AZURE_ENV_NAME). Resource names are derived from it, the subscription and the region.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption: `az functionapp list-flexconsumption-locations`.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(36)
@maxLength(36)
@description('Application (client) id of the multi-tenant app registration (APP_CLIENT_ID).')
param appClientId string

@description('Tenant id of the app registration, i.e. the publisher home tenant (APP_TENANT_ID). Empty: the tenant you deploy into.')
param appTenantId string = ''

@secure()
@description('Client secret of the app registration. Required on the first deployment: the deployment fails without it unless clientSecretAlreadyInVault is true. When non-empty it is written to Key Vault as graph-client-secret; leave it empty on later deployments to keep the value already in the vault (for example after rotating it with `az keyvault secret set`).')
param graphClientSecret string = ''

@description('true: the vault already holds graph-client-secret, so an empty graphClientSecret keeps it instead of failing the deployment. azd sets this after the first successful provision (output GRAPH_CLIENT_SECRET_IN_VAULT); with plain `az deployment`, pass true on every deployment after the first.')
param clientSecretAlreadyInVault bool = false

@secure()
@description('Key that signs browser session cookies. Empty: generate one (on the first deployment only, see keepExistingSessionSigningKey).')
param sessionSigningKey string = ''

@description('true: the vault already holds session-signing-key, so an empty sessionSigningKey keeps it instead of generating a new one. azd sets this after the first successful provision (output SESSION_SIGNING_KEY_IN_VAULT); with plain `az deployment`, pass true on every deployment after the first.')
param keepExistingSessionSigningKey bool = false

// Entropy for a generated session key. newGuid() is only allowed as a parameter default and yields
// a new random (version 4) GUID per deployment: 122 random bits each, 244 bits for the two.
// @secure() keeps the values out of the deployment history. Do not pass these.
@secure()
@description('Do not set. Random input for a generated session signing key.')
param sessionKeyEntropyA string = newGuid()

@secure()
@description('Do not set. Random input for a generated session signing key.')
param sessionKeyEntropyB string = newGuid()

@description('Six-field NCRONTAB schedule (UTC) of the sync fan-out timer (SYNC_SCHEDULE).')
param syncSchedule string = '0 0 * * * *'

@description('The fan-out skips a tenant synced less than this many minutes ago (SYNC_MIN_INTERVAL_MINUTES).')
param syncMinIntervalMinutes string = '15'

@description('The fan-out spreads tenants over this many seconds (SYNC_JITTER_SECONDS).')
param syncJitterSeconds string = '300'

@description('Seconds one worker invocation syncs before handing on to a continuation; keep it well under functionTimeout in host.json (SYNC_TIME_BUDGET_SECONDS).')
param syncTimeBudgetSeconds string = '240'

@description('A sync that would delete more than this share of the users of a tenant waits for an operator (SYNC_MAX_DELETE_PERCENT).')
param syncMaxDeletePercent string = '20'

@description('Longest Graph Retry-After waited in place (SYNC_MAX_INLINE_WAIT_SECONDS).')
param syncMaxInlineWaitSeconds string = '30'

@description('Minutes after a consent during which missing-consent answers mean not applied yet (CONSENT_GRACE_MINUTES).')
param consentGraceMinutes string = '30'

@description('Microsoft identity platform host (AUTHORITY_HOST). Change only for sovereign clouds.')
param authorityHost string = 'https://login.microsoftonline.com'

@description('Microsoft Graph origin (GRAPH_BASE_URL). Change only for sovereign clouds.')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('Audience that access tokens for the operations API must carry (API_AUDIENCE). Empty: api://<appClientId>.')
param apiAudience string = ''

@allowed([
  512
  2048
  4096
])
@description('Memory per Flex Consumption instance, in MB. 2048 is the platform default; 512 was rejected by some API versions.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound on Flex Consumption instances. Small on purpose: every instance syncs tenants against Microsoft Graph, which throttles per app and tenant.')
param maximumInstanceCount int = 40

@allowed([
  'default'
  'recover'
])
@description('default: create the vault. recover: recover a soft-deleted vault of the same name (needed when redeploying an environment after `azd down`, because purge protection keeps the name reserved).')
param keyVaultCreateMode string = 'default'

@minValue(7)
@maxValue(90)
@description('Days a deleted vault and its secrets stay recoverable. Fixed once the vault exists.')
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Object id of the person or pipeline deploying (azd sets AZURE_PRINCIPAL_ID). Used only when grantDeployerAccess is true.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId.')
param principalType string = 'User'

@description('true: also give principalId Key Vault Secrets Officer on the vault and Blob Data Owner, Queue and Table Data Contributor on the storage account (rotate secrets, inspect tables, enqueue a sync by hand, run the app locally against these resources). Off by default.')
param grantDeployerAccess bool = false

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  identity: 'id-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  appInsights: 'appi-${resourceToken}'
  storage: 'st${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
}
// Flex Consumption pulls the deployment package from this blob container.
var deploymentContainerName = 'app-package-${take(names.functionApp, 32)}-${take(resourceToken, 7)}'

// The configuration module's defaults for CLIENT_SECRET_NAME and SESSION_SECRET_NAME; the secrets
// are written under these names and the app settings point at them (checked by test/infra).
var clientSecretName = 'graph-client-secret'
var sessionSecretName = 'session-signing-key'

// The app cannot call Microsoft Graph without the client secret, and keyvault.bicep writes it only
// when it is given (so re-deploys never overwrite a rotated value). A first deployment without it
// would succeed and leave an app that fails at its first sync, so it fails instead: fail() stops the
// deployment when evaluated (Bicep CLI 0.33.93 or later), and the ternary evaluates it only when the
// secret is empty and not already in the vault. azd stops earlier still, in the preprovision hook
// (infra/hooks/preprovision.mjs), before anything is deployed.
var missingClientSecretMessage = 'graphClientSecret is empty and clientSecretAlreadyInVault is false: the first deployment must write the app registration\'s client secret to Key Vault, or the app cannot call Microsoft Graph. With azd: azd env set GRAPH_CLIENT_SECRET \'<client secret value>\'. With az deployment: pass graphClientSecret=\'<client secret value>\' (or clientSecretAlreadyInVault=true if the vault already holds graph-client-secret).'
var checkedGraphClientSecret = clientSecretAlreadyInVault || !empty(graphClientSecret) ? graphClientSecret : fail(missingClientSecretMessage)

var generatedSessionSigningKey = '${replace(sessionKeyEntropyA, '-', '')}${replace(sessionKeyEntropyB, '-', '')}'
var writeSessionSigningKey = !empty(sessionSigningKey) || !keepExistingSessionSigningKey

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    createMode: keyVaultCreateMode
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    clientSecretName: clientSecretName
    graphClientSecret: checkedGraphClientSecret
    sessionSecretName: sessionSecretName
    sessionSigningKey: empty(sessionSigningKey) ? generatedSessionSigningKey : sessionSigningKey
    writeSessionSigningKey: writeSessionSigningKey
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    grantDeployerAccess: grantDeployerAccess
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    clientSecretName: clientSecretName
    sessionSecretName: sessionSecretName
    appClientId: appClientId
    appTenantId: empty(appTenantId) ? tenant().tenantId : appTenantId
    apiAudience: empty(apiAudience) ? 'api://${appClientId}' : apiAudience
    authorityHost: authorityHost
    graphBaseUrl: graphBaseUrl
    syncSchedule: syncSchedule
    syncMinIntervalMinutes: syncMinIntervalMinutes
    syncJitterSeconds: syncJitterSeconds
    syncTimeBudgetSeconds: syncTimeBudgetSeconds
    syncMaxDeletePercent: syncMaxDeletePercent
    syncMaxInlineWaitSeconds: syncMaxInlineWaitSeconds
    consentGraceMinutes: consentGraceMinutes
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // The host starts as soon as the site exists; its identity must already hold its roles (role
  // assignments can still take a few minutes to propagate, see docs/deploy.md).
  dependsOn: [
    rbac
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name

@description('Public URL of the app (also PUBLIC_BASE_URL).')
output APP_URL string = functionApp.outputs.url

@description('Web redirect URIs to register on the app registration.')
output REDIRECT_URIS array = [
  '${functionApp.outputs.url}/auth/callback'
  '${functionApp.outputs.url}/connect/callback'
]
output AUTH_REDIRECT_URI string = '${functionApp.outputs.url}/auth/callback'
output CONNECT_REDIRECT_URI string = '${functionApp.outputs.url}/connect/callback'

output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Read back by main.parameters.json as keepExistingSessionSigningKey, so later `azd provision` runs keep the session key instead of generating a new one.')
output SESSION_SIGNING_KEY_IN_VAULT bool = true

// True whenever the deployment succeeds: it either wrote graph-client-secret or was told the vault
// already holds it (checkedGraphClientSecret fails the deployment otherwise).
@description('Read back by main.parameters.json as clientSecretAlreadyInVault, so later `azd provision` runs may leave GRAPH_CLIENT_SECRET empty and keep the secret in the vault (also after a rotation).')
output GRAPH_CLIENT_SECRET_IN_VAULT bool = true
