import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../core/contracts';
import { FIRST_PARTY_RESOURCES, firstPartyResource, OIDC_SCOPES, type PermissionDefinition } from './resources';

export function splitScopes(value: string | null | undefined): string[] {
    return (value ?? '').split(/\s+/).filter((s) => s !== '');
}

/** A scope split into resource and permission: `https://graph.microsoft.com/User.Read` or bare `User.Read` (= Graph). */
export function parseScope(scope: string): { resource: string; permission: string } | undefined {
    if (OIDC_SCOPES.has(scope.toLowerCase())) return undefined;
    const slash = scope.lastIndexOf('/');
    // A bare permission name means Microsoft Graph, as in the v2 endpoint.
    if (slash < 0) return { resource: GRAPH_RESOURCE, permission: scope };
    return { resource: scope.slice(0, slash), permission: scope.slice(slash + 1) };
}

/** Graph delegated permission names among the requested scopes; undefined if a scope names another resource. */
export function graphDelegatedScopes(scopes: string[]): string[] | undefined {
    const names: string[] = [];
    for (const scope of scopes) {
        const parsed = parseScope(scope);
        if (!parsed) continue;
        if (firstPartyResource(parsed.resource)?.appId !== GRAPH_APP_ID) return undefined;
        if (parsed.permission !== '.default') names.push(parsed.permission);
    }
    return names;
}

/** Consent-screen lines for delegated permissions (OIDC and Graph scopes). */
export function delegatedPermissionLines(scopes: string[]): PermissionDefinition[] {
    const graph = FIRST_PARTY_RESOURCES.find((r) => r.appId === GRAPH_APP_ID);
    const wanted = new Set(scopes.map((s) => (parseScope(s)?.permission ?? s).toLowerCase()));
    wanted.add('user.read'); // signing in always asks for the profile
    return (graph?.scopes ?? []).filter((p) => wanted.has(p.value.toLowerCase()));
}
