// Key Vault holding the app registration's client secret and the session signing key. Access is
// by Azure RBAC only (no access policies); the app reads the secrets with its managed identity,
// which holds Key Vault Secrets User on this vault (rbac.bicep). Soft delete and purge protection
// are on: a deleted vault and its secrets stay recoverable for softDeleteRetentionInDays and the
// name stays reserved for that long (see createMode).

@description('Vault name (3-24 letters, digits and dashes, globally unique).')
param name string

@description('Region.')
param location string

@description('Tags for the vault.')
param tags object

@allowed([
  'default'
  'recover'
])
@description('default: create (or update) the vault. recover: recover a soft-deleted vault with this name.')
param createMode string = 'default'

@minValue(7)
@maxValue(90)
@description('Days a deleted vault and its secrets stay recoverable.')
param softDeleteRetentionInDays int = 90

@description('Secret name of the app registration client secret (CLIENT_SECRET_NAME).')
param clientSecretName string

@secure()
@description('Client secret value; written only when non-empty, so later deployments keep a rotated value.')
param graphClientSecret string = ''

@description('Secret name of the session signing key (SESSION_SECRET_NAME).')
param sessionSecretName string

@secure()
@description('Session signing key value; written only when writeSessionSigningKey is true.')
param sessionSigningKey string

@description('Whether to write sessionSigningKey (false keeps the value already in the vault).')
param writeSessionSigningKey bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    createMode: createMode
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Irreversible once on: nobody (including an attacker with Owner) can purge the secrets early.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // Flex Consumption without a virtual network reaches the vault over its public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource clientSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(graphClientSecret)) {
  parent: vault
  name: clientSecretName
  properties: {
    value: graphClientSecret
    contentType: 'text/plain'
  }
}

resource sessionKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (writeSessionSigningKey) {
  parent: vault
  name: sessionSecretName
  properties: {
    value: sessionSigningKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
output id string = vault.id
// Ends with '/'; the configuration module accepts and normalises it.
output uri string = vault.properties.vaultUri
