import type { SimClock } from '../core/clock';
import {
    ADMIN_CONSENT_ROLES,
    DIRECTORY_ROLES,
    type DirectoryView,
    type SignInUser,
    type TenantRecord,
    type TenantSize,
    type TenantStatus,
} from '../core/contracts';
import type { IdFactory } from '../core/ids';
import { TenantDirectory, type TenantSnapshot } from './tenantDirectory';
import { directoryRolesOf } from './userModel';

/** Graph's throttling tiers: small < 50 users, medium 50-500, large > 500. */
export function sizeForUserCount(userCount: number): TenantSize {
    if (userCount < 50) return 'small';
    if (userCount <= 500) return 'medium';
    return 'large';
}

export interface CreateTenantInput {
    displayName: string;
    /** Users generated lazily from the tenant's seed. */
    userCount: number;
    /** Throttling tier; derived from userCount when absent. */
    size?: TenantSize;
    /** Fixed id (seeded world); otherwise the next id from the seeded factory. */
    id?: string;
    /** Verified custom domain for members' sign-in names, e.g. `contoso.com`. */
    customDomain?: string;
    /** Exact default domain (the personal-account tenant); otherwise `<slug>.onmicrosoft.com`. */
    defaultDomain?: string;
    kind?: TenantRecord['kind'];
    region?: string;
}

/** Limits of the lazily generated population (the id codec and name suffixes allow far more). */
export const MAX_GENERATED_USERS = 1_000_000;

/** All tenants of the simulated cloud; the identity half sees it through `DirectoryView`. */
export class Directory implements DirectoryView {
    private readonly byId = new Map<string, TenantDirectory>();
    private readonly byDomain = new Map<string, TenantDirectory>();

    constructor(
        private readonly ids: IdFactory,
        private readonly clock: SimClock,
        private readonly seed: string,
    ) {}

    createTenant(input: CreateTenantInput): TenantDirectory {
        if (!Number.isInteger(input.userCount) || input.userCount < 0 || input.userCount > MAX_GENERATED_USERS)
            throw new RangeError(`userCount must be an integer between 0 and ${MAX_GENERATED_USERS}`);
        const id = (input.id ?? this.ids.guid('tenant')).toLowerCase();
        if (this.byId.has(id)) throw new Error(`tenant ${id} already exists`);
        const defaultDomain = (input.defaultDomain ?? this.freeDomain(slug(input.displayName))).toLowerCase();
        const domains = [defaultDomain];
        if (input.customDomain !== undefined && !this.byDomain.has(input.customDomain.toLowerCase()))
            domains.push(input.customDomain.toLowerCase());
        const record: TenantRecord = {
            id,
            displayName: input.displayName,
            defaultDomain,
            domains,
            size: input.size ?? sizeForUserCount(input.userCount),
            status: 'active',
            kind: input.kind ?? 'organization',
            region: input.region ?? 'NA',
        };
        const tenant = new TenantDirectory(record, input.userCount, `${this.seed}/tenant/${id}`, this.clock, this.ids);
        this.byId.set(id, tenant);
        for (const domain of domains) this.byDomain.set(domain, tenant);
        return tenant;
    }

    /** Every tenant's saved state (tenants created through the control API included). */
    snapshot(): { tenants: TenantSnapshot[] } {
        return { tenants: this.tenants().map((t) => t.snapshot()) };
    }

    /**
     * Puts back saved state: seeded tenants get their changes; tenants created later are created again
     * from their saved record (the same id gives the same generated users) first.
     */
    restore(saved: { tenants: TenantSnapshot[] }): void {
        for (const snapshot of saved.tenants) {
            const { record } = snapshot;
            const tenant =
                this.tenant(record.id) ??
                this.createTenant({
                    id: record.id,
                    displayName: record.displayName,
                    userCount: snapshot.generatedCount,
                    size: record.size,
                    defaultDomain: record.defaultDomain,
                    ...(record.domains[1] === undefined ? {} : { customDomain: record.domains[1] }),
                    kind: record.kind,
                    region: record.region,
                });
            tenant.restore(snapshot);
        }
    }

    /** By GUID or verified domain, case-insensitive, in any status. */
    tenant(idOrDomain: string): TenantDirectory | undefined {
        const key = idOrDomain.toLowerCase();
        return this.byId.get(key) ?? this.byDomain.get(key);
    }

    tenants(): TenantDirectory[] {
        return [...this.byId.values()];
    }

    setStatus(tenantId: string, status: TenantStatus): TenantRecord | undefined {
        const tenant = this.tenant(tenantId);
        if (tenant) tenant.record.status = status;
        return tenant?.record;
    }

    // --- DirectoryView (used by identity) ---

    listTenants(): TenantRecord[] {
        return this.tenants().map((t) => t.record);
    }

    findTenant(idOrDomain: string): TenantRecord | undefined {
        return this.tenant(idOrDomain)?.record;
    }

    findSignInUser(username: string): SignInUser | undefined {
        const at = username.lastIndexOf('@');
        if (at < 0) return undefined;
        const tenant = this.byDomain.get(username.slice(at + 1).toLowerCase());
        const entry = tenant?.find(username);
        if (!tenant || !entry || entry.state !== 'active') return undefined;
        const { user } = entry;
        const directoryRoles = directoryRolesOf(user, DIRECTORY_ROLES.globalAdministrator);
        return {
            id: user.id,
            tenantId: tenant.record.id,
            userPrincipalName: user.userPrincipalName,
            displayName: user.displayName,
            givenName: user.givenName,
            surname: user.surname,
            mail: user.mail,
            userType: user.userType,
            password: user.password,
            isAdmin: directoryRoles.some((role) => ADMIN_CONSENT_ROLES.includes(role)),
            directoryRoles,
            accountEnabled: user.accountEnabled,
        };
    }

    userCount(tenantId: string): number {
        return this.tenant(tenantId)?.userCount ?? 0;
    }

    private freeDomain(base: string): string {
        for (let n = 1; ; n++) {
            const candidate = `${n === 1 ? base : `${base}${n}`}.onmicrosoft.com`;
            if (!this.byDomain.has(candidate)) return candidate;
        }
    }
}

/** `Northwind Traders` → `northwindtraders` (ASCII letters and digits, as Entra's initial domain). */
export function slug(displayName: string): string {
    const ascii = displayName
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '');
    return ascii.slice(0, 27) || 'tenant';
}
