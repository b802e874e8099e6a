/**
 * Whose sign-in page the login service shows: the organisation ("company branding") or the
 * generic Microsoft page.
 *
 * Entra shows an organisation's branded sign-in page before the user types a name when it already
 * knows the tenant: a tenant-specific URL, or a domain hint naming one of the tenant's verified
 * domains [DOC entra-docs "Configure your company branding" (tenant-specific URLs, `whr=contoso.com`);
 * Microsoft Entra blog "Using Azure AD to land users on their custom login page from within your app"
 * (domain_hint: managed domains land on the organisation's branded page, federated domains go straight
 * to their own STS)]. The simulator has no federation, so every domain is managed and `domain_hint`
 * only decides which organisation the page names. What this module chooses:
 * - a `domain_hint` that is a verified domain of a known organisation (case-insensitive) names it;
 * - a hint Entra cannot resolve is ignored and the generic page shown, as for an unknown domain
 *   [BELIEF: Entra falls back to its normal home-realm discovery]; so is a tenant id (the parameter
 *   takes a domain), a deleted tenant, and the `organizations`/`consumers` account-type hints, which
 *   the simulator does not model;
 * - a tenant in the path (`/{tenant}/oauth2/v2.0/authorize`) names that tenant, and a hint naming a
 *   different one is ignored: the path decides where the user signs in [BELIEF];
 * - personal accounts never get branding [DOC, same page], so the MSA tenant is never named.
 * The hint never fills in the username: only `login_hint` does.
 */
import type { DirectoryView, TenantRecord } from '../core/contracts';
import { resolveTenantSegment } from './tenants';

export function signInOrganization(
    directory: DirectoryView,
    segment: string,
    domainHint: string | undefined,
): TenantRecord | undefined {
    const resolved = resolveTenantSegment(directory, segment);
    if (resolved.kind === 'unknown') return undefined;
    if (resolved.kind === 'tenant') return resolved.tenant.kind === 'organization' ? resolved.tenant : undefined;
    const hint = domainHint?.trim().toLowerCase();
    if (!hint) return undefined;
    const tenant = directory.findTenant(hint);
    if (!tenant || tenant.status === 'deleted' || tenant.kind !== 'organization') return undefined;
    return tenant.domains.some((domain) => domain.toLowerCase() === hint) ? tenant : undefined;
}
