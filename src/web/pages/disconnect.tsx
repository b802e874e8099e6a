import type { TenantRecord } from '../../tenants';
import { formatCount } from '../format';
import { Layout, type PageContext, PostForm } from '../render';
import { Breadcrumb } from './tenant';

/** GET /tenants/{tenantId}/disconnect: what disconnecting does, and the button that does it. */
export function DisconnectPage(props: { context: PageContext; tenant: TenantRecord }) {
    const { context, tenant } = props;
    const base = `/tenants/${tenant.tenantId}`;
    return (
        <Layout context={context} title={`Disconnect ${tenant.displayName}`}>
            <Breadcrumb tenant={tenant} current="Disconnect" />
            <h1>Disconnect {tenant.displayName}?</h1>
            <div class="notice warn">
                <p>Disconnecting stops all syncing for {tenant.displayName} and deletes what Tenant Sync copied:</p>
                <ul>
                    <li>the {formatCount(tenant.userCount)} synced users,</li>
                    <li>the sync history.</li>
                </ul>
                <p>
                    Nothing changes in your directory. To take away Tenant Sync’s access as well, delete the “Tenant
                    Sync” enterprise application in the Microsoft Entra admin center. You can connect again later; the
                    first sync then copies everything again.
                </p>
            </div>
            <div class="actions">
                <PostForm action={`${base}/disconnect`} csrf={context.csrf}>
                    <button type="submit" class="button danger">
                        Disconnect and delete the copy
                    </button>
                </PostForm>
                <a class="button secondary" href={base}>
                    Cancel
                </a>
            </div>
        </Layout>
    );
}
