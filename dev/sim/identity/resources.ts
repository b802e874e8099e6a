import { GRAPH_APP_ID, GRAPH_RESOURCE, STORAGE_RESOURCE, VAULT_RESOURCE } from '../core/contracts';

/** A permission a resource defines: an app role (application permission) or a delegated scope. */
export interface PermissionDefinition {
    id: string;
    value: string;
    /** What the consent screen shows. */
    displayName: string;
    description: string;
    adminConsentRequired: boolean;
}

/** A Microsoft first-party API that exists in every tenant (its service principal is implicit). */
export interface FirstPartyResource {
    appId: string;
    /** Application ID URI: the audience of its access tokens. */
    identifierUri: string;
    displayName: string;
    appRoles: PermissionDefinition[];
    scopes: PermissionDefinition[];
}

export const KEY_VAULT_APP_ID = 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093';
export const STORAGE_APP_ID = 'e406a681-f3d4-42a8-90b6-c2b029497af1';

/** Microsoft Graph with the permissions this product can ask for (ids are the real permission ids). */
const graph: FirstPartyResource = {
    appId: GRAPH_APP_ID,
    identifierUri: GRAPH_RESOURCE,
    displayName: 'Microsoft Graph',
    appRoles: [
        {
            id: 'df021288-bdef-4463-88db-98f22de89214',
            value: 'User.Read.All',
            displayName: "Read all users' full profiles",
            description: 'Allows the app to read user profiles without a signed in user.',
            adminConsentRequired: true,
        },
        {
            id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
            value: 'Directory.Read.All',
            displayName: 'Read directory data',
            description:
                "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
            adminConsentRequired: true,
        },
    ],
    scopes: [
        {
            id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
            value: 'User.Read',
            displayName: 'Sign in and read user profile',
            description:
                'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.',
            adminConsentRequired: false,
        },
        {
            id: '37f7f235-527c-4136-accd-4a02d197296e',
            value: 'openid',
            displayName: 'Sign users in',
            description: 'Allows users to sign in to the app with their work or school accounts.',
            adminConsentRequired: false,
        },
        {
            id: '14dad69e-099b-42c9-810b-d002981feec1',
            value: 'profile',
            displayName: "View users' basic profile",
            description:
                "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address).",
            adminConsentRequired: false,
        },
        {
            id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0',
            value: 'email',
            displayName: "View users' email address",
            description: "Allows the app to read your users' primary email address.",
            adminConsentRequired: false,
        },
        {
            id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182',
            value: 'offline_access',
            displayName: 'Maintain access to data you have given it access to',
            description:
                'Allows the app to see and update the data you gave it access to, even when users are not currently using the app.',
            adminConsentRequired: false,
        },
    ],
};

const keyVault: FirstPartyResource = {
    appId: KEY_VAULT_APP_ID,
    identifierUri: VAULT_RESOURCE,
    displayName: 'Azure Key Vault',
    appRoles: [],
    scopes: [],
};

const storage: FirstPartyResource = {
    appId: STORAGE_APP_ID,
    identifierUri: STORAGE_RESOURCE,
    displayName: 'Azure Storage',
    appRoles: [],
    scopes: [],
};

export const FIRST_PARTY_RESOURCES: readonly FirstPartyResource[] = [graph, keyVault, storage];

/** The OpenID Connect scopes, which name no resource. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export function firstPartyResource(identifier: string): FirstPartyResource | undefined {
    const wanted = identifier.replace(/\/+$/, '').toLowerCase();
    return FIRST_PARTY_RESOURCES.find((r) => r.appId === wanted || r.identifierUri.toLowerCase() === wanted);
}
