import { MSA_TENANT_ID, type DirectoryView, type TenantRecord } from '../core/contracts';

export type TenantAlias = 'common' | 'organizations' | 'consumers';

/** What the first path segment of an identity URL names. */
export type TenantSegment =
    | { kind: 'alias'; alias: TenantAlias; segment: string }
    | { kind: 'tenant'; tenant: TenantRecord; segment: string }
    | { kind: 'unknown'; segment: string };

const ALIASES: readonly string[] = ['common', 'organizations', 'consumers'];

/** Resolves a tenant path segment: GUID, verified domain or alias, case-insensitively. */
export function resolveTenantSegment(directory: DirectoryView, segment: string): TenantSegment {
    const lower = segment.toLowerCase();
    if (ALIASES.includes(lower)) return { kind: 'alias', alias: lower as TenantAlias, segment: lower };
    const tenant = directory.findTenant(lower);
    // A deleted tenant is "not found" (AADSTS90002) like one that never existed.
    if (!tenant || tenant.status === 'deleted') return { kind: 'unknown', segment };
    return { kind: 'tenant', tenant, segment: lower };
}

/** The tenant id a segment stands for when there is exactly one (consumers = the MSA tenant). */
export function segmentTenantId(resolved: TenantSegment): string | undefined {
    if (resolved.kind === 'tenant') return resolved.tenant.id.toLowerCase();
    if (resolved.kind === 'alias' && resolved.alias === 'consumers') return MSA_TENANT_ID;
    return undefined;
}
