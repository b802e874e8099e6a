import type { TenantRecord } from '../../tenants';
import { NotAdminNotice, organizationName, PermissionsCard, StatusBadge } from '../components';
import { Layout, type PageContext } from '../render';
import { describeStatus } from '../tenantStatusView';

function SignedOut(props: { context: PageContext }) {
    return (
        <Layout context={props.context} title="Connect your organization">
            <h1>Keep an up-to-date copy of your organization’s users</h1>
            <p class="lead">
                Tenant Sync copies the users of your Microsoft Entra ID organization — names, job titles, departments,
                who joined and who left — and keeps that copy current, so the services you use with it always know who
                works with you.
            </p>
            <div class="actions">
                <a class="button" href="/connect">
                    Connect your organization
                </a>
                <span class="muted">
                    Already connected? <a href="/auth/signin">Sign in</a> to see your organization.
                </span>
            </div>
            <div class="grid">
                <PermissionsCard />
                <section class="card" aria-labelledby="steps-heading">
                    <h2 id="steps-heading">How connecting works</h2>
                    <ol class="steps">
                        <li>Sign in with your work or school account.</li>
                        <li>
                            On Microsoft’s page, a Global Administrator or Privileged Role Administrator of your
                            organization reviews the permission and accepts.
                        </li>
                        <li>
                            Tenant Sync checks that the consent works, then syncs your users. You watch them arrive.
                        </li>
                    </ol>
                    <p class="small muted">You can disconnect at any time; Tenant Sync then deletes what it copied.</p>
                </section>
            </div>
        </Layout>
    );
}

function SignedIn(props: { context: PageContext; tenant: TenantRecord | undefined }) {
    const session = props.context.session;
    if (session === undefined) return null;
    const { tenant } = props;
    const organization = organizationName(session, tenant);
    const view = tenant === undefined ? undefined : describeStatus(tenant);
    const connectLabel = tenant === undefined || view?.tone === 'off' ? 'Connect your organization' : 'Consent again';
    const mayConnect = view === undefined || view.needsConsent;
    return (
        <Layout context={props.context} title="Your organization">
            <h1>Welcome, {session.name}</h1>
            <section class="card" aria-labelledby="org-heading">
                <h2 id="org-heading">
                    {organization}{' '}
                    {view === undefined ? <span class="badge off">Not connected</span> : <StatusBadge view={view} />}
                </h2>
                <p>
                    {view === undefined ? 'Your organization is not connected to Tenant Sync yet.' : view.explanation}
                </p>
                <dl class="facts">
                    <dt>Organization id</dt>
                    <dd>
                        <code>{session.tid}</code>
                    </dd>
                </dl>
                {mayConnect && !session.isAdmin ? <NotAdminNotice /> : null}
                <div class="actions">
                    {mayConnect ? (
                        <a class="button" href="/connect">
                            {connectLabel}
                        </a>
                    ) : null}
                    {tenant === undefined ? null : (
                        <a class={mayConnect ? 'button secondary' : 'button'} href={`/tenants/${tenant.tenantId}`}>
                            Open {organization}’s page
                        </a>
                    )}
                </div>
            </section>
            {tenant === undefined ? <PermissionsCard /> : null}
        </Layout>
    );
}

/** GET /: what the service does and the connect button; signed in, the organization's status. */
export function LandingPage(props: { context: PageContext; tenant: TenantRecord | undefined }) {
    return props.context.session === undefined ? (
        <SignedOut context={props.context} />
    ) : (
        <SignedIn context={props.context} tenant={props.tenant} />
    );
}
