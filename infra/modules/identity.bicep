// The app's user-assigned managed identity. User-assigned (not system-assigned) so that its roles
// can be granted before the function app exists and its client id can be handed to the SDKs
// (AZURE_CLIENT_ID) and to the host (AzureWebJobsStorage__clientId).

@description('Name of the identity.')
param name string

@description('Region.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
