import type { Session } from '../auth';
import type { TenantRecord } from '../tenants';
import type { StatusView } from './tenantStatusView';

export function StatusBadge(props: { view: StatusView }) {
    return <span class={`badge ${props.view.tone}`}>{props.view.label}</span>;
}

/** The organization's name as far as we know it: its registry entry, else the sign-in name's domain. */
export function organizationName(session: Session, tenant: TenantRecord | undefined): string {
    if (tenant !== undefined && tenant.displayName !== tenant.tenantId) return tenant.displayName;
    const domain = session.username.split('@')[1];
    return domain === undefined || domain === '' ? session.tid : domain;
}

/** The one permission we ask for, and why: on the landing page before anyone signs in. */
export function PermissionsCard() {
    return (
        <section class="card" aria-labelledby="permissions-heading">
            <h2 id="permissions-heading">What Tenant Sync asks for</h2>
            <dl class="permissions">
                <dt>
                    User.Read.All <span class="kind">application permission</span>
                </dt>
                <dd>
                    Read the profiles of all users in your organization. Tenant Sync reads them in the background, with
                    no one signed in, so it needs an <em>application</em> permission, which an administrator grants once
                    for the whole organization. It reads users only and never writes.
                </dd>
                <dt>
                    User.Read <span class="kind">delegated, at sign-in</span>
                </dt>
                <dd>Sign you in and read your own profile, so this site knows who you are.</dd>
            </dl>
        </section>
    );
}

/** Shown where a connect button is, to someone whose sign-in names no role that can grant consent. */
export function NotAdminNotice() {
    return (
        <div class="notice wait">
            <p>
                Connecting an organization needs a <strong>Global Administrator</strong> or{' '}
                <strong>Privileged Role Administrator</strong>. Your sign-in does not show either role, so Microsoft
                will most likely ask for an administrator’s approval. Ask one of them to connect, or sign out and sign
                in with such an account.
            </p>
        </div>
    );
}
