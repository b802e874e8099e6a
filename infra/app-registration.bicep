// OPTIONAL. Creates (or updates) the multi-tenant app registration with the Microsoft Graph Bicep
// extension, as an alternative to the portal steps in docs/deploy.md "Registering the multi-tenant app".
// It is not part of main.bicep and `azd up` does not deploy it.
//
//   az deployment sub create --location <region> --template-file infra/app-registration.bicep \
//     --parameters publicBaseUrl=<APP_URL output of main.bicep, or empty on the first run>
//
// It also sets groupMembershipClaims to DirectoryRole, so id tokens carry the user's directory roles
// (`wids`), which the pages read to tell administrators from other users.
//
// Needs: Bicep CLI 0.36 or later (the `extension` keyword and Graph types are fetched from
// mcr.microsoft.com at build time) and, for the deploying user, a directory role that may create
// applications (Application Developer or Application Administrator).
//
// What it cannot do: create the client secret (Graph Bicep does not manage passwordCredentials);
// create it afterwards with `az ad app credential reset --id <appId> --append`.
//
// The Application ID URI: the Graph resource cannot reference its own appId, so instead of
// api://<appId> this uses api://<tenantId>/<uniqueName>, a form Entra accepts for multi-tenant
// apps. main.bicep must then be given apiAudience = the API_AUDIENCE output below.
targetScope = 'subscription'

extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('Client-provided key that makes redeployments update the same application.')
param uniqueName string = 'tenant-sync'

@description('Display name shown on consent prompts and in Enterprise applications.')
param displayName string = 'Tenant Sync'

@description('Public origin of the deployed app (main.bicep output APP_URL). Empty on the first run: redirect URIs are added when you run this again with the URL.')
param publicBaseUrl string = ''

@description('Also register the local development redirect URIs on http://localhost:7071.')
param includeLocalhostRedirectUris bool = false

var graphAppId = '00000003-0000-0000-c000-000000000000'
var graphPermissions = {
  // Delegated: sign the administrator in.
  userRead: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'
  // Application: read every user of a connected tenant. Delegated User.Read.All would not do:
  // the sync runs without a signed-in user and Graph answers 403.
  userReadAll: 'df021288-bdef-4463-88db-98f22de89214'
}
var deployedRedirectUris = empty(publicBaseUrl) ? [] : ['${publicBaseUrl}/auth/callback', '${publicBaseUrl}/connect/callback']
var localRedirectUris = includeLocalhostRedirectUris ? ['http://localhost:7071/auth/callback', 'http://localhost:7071/connect/callback'] : []
var apiAudience = 'api://${tenant().tenantId}/${uniqueName}'

// Roles for callers of the operations API (users or daemon apps); the API checks the roles claim.
var appRoleDefinitions = [
  {
    value: 'Sync.Run'
    displayName: 'Run a sync'
    description: 'Start a sync of a connected tenant.'
  }
  {
    value: 'Tenants.Read'
    displayName: 'Read tenants'
    description: 'List connected tenants and their sync runs.'
  }
  {
    value: 'Users.Read'
    displayName: 'Read synced users'
    description: 'Read the users synced from connected tenants.'
  }
  {
    value: 'Tenants.Manage'
    displayName: 'Manage tenants'
    description: 'Connect, disconnect and reconfigure tenants.'
  }
]

resource application 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMultipleOrgs'
  // Puts the signed-in user's directory roles in the id token's `wids` claim (Token configuration →
  // Add groups claim → Directory roles). The pages offer "Sync now" and "Disconnect" only to a Global
  // Administrator or Privileged Role Administrator of the organization, and read that from `wids`.
  groupMembershipClaims: 'DirectoryRole'
  identifierUris: [
    apiAudience
  ]
  web: {
    redirectUris: concat(deployedRedirectUris, localRedirectUris)
    implicitGrantSettings: {
      enableAccessTokenIssuance: false
      enableIdTokenIssuance: false
    }
  }
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: [
        {
          id: graphPermissions.userRead
          type: 'Scope'
        }
        {
          id: graphPermissions.userReadAll
          type: 'Role'
        }
      ]
    }
  ]
  appRoles: [
    for role in appRoleDefinitions: {
      id: guid(uniqueName, 'appRole', role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: [
        'User'
        'Application'
      ]
      isEnabled: true
    }
  ]
}

// The app's service principal in the home tenant (other tenants get theirs at admin consent).
resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: application.appId
}

output APP_CLIENT_ID string = application.appId
output APP_TENANT_ID string = tenant().tenantId
output API_AUDIENCE string = apiAudience
output applicationObjectId string = application.id
output servicePrincipalObjectId string = servicePrincipal.id
