import type { SyncedUser } from '../../sync/syncedUser';
import type { TenantRecord } from '../../tenants';
import { formatCount, formatTime } from '../format';
import { Layout, type PageContext } from '../render';
import { Breadcrumb } from './tenant';

export interface UsersPageProps {
    context: PageContext;
    tenant: TenantRecord;
    users: SyncedUser[];
    /** The name prefix searched for ('' for all). */
    search: string;
    /** Opaque token of the next page, when there is one. */
    nextPage: string | undefined;
    firstPage: boolean;
}

function link(base: string, search: string, page?: string): string {
    const query = new URLSearchParams();
    if (search !== '') query.set('q', search);
    if (page !== undefined) query.set('page', page);
    const text = query.toString();
    return text === '' ? base : `${base}?${text}`;
}

/** GET /tenants/{tenantId}/users: the synced users, a page at a time, searchable by name prefix. */
export function UsersPage(props: UsersPageProps) {
    const { context, tenant, users, search } = props;
    const base = `/tenants/${tenant.tenantId}/users`;
    return (
        <Layout context={context} title={`Users of ${tenant.displayName}`}>
            <Breadcrumb tenant={tenant} current="Users" />
            <h1>Users of {tenant.displayName}</h1>
            <p class="muted">
                {formatCount(tenant.userCount)} users synced
                {tenant.lastSyncAt === undefined ? '' : `, last sync ${formatTime(tenant.lastSyncAt)}`}.
            </p>
            <form class="search" method="get" action={base} role="search">
                <div>
                    <label for="q">Name starts with</label>
                    <input type="search" id="q" name="q" value={search} maxLength={100} autocomplete="off" />
                </div>
                <button type="submit" class="button">
                    Search
                </button>
                {search === '' ? null : <a href={base}>Show everyone</a>}
            </form>
            {users.length === 0 ? (
                <p class="notice">
                    {search === ''
                        ? 'No users are synced yet. They appear here after the first sync.'
                        : `No synced user’s name starts with “${search}”.`}
                </p>
            ) : (
                <div class="table-wrap">
                    <table class="users">
                        <caption>
                            {formatCount(users.length)} {users.length === 1 ? 'user' : 'users'}
                            {search === '' ? '' : ` whose name starts with “${search}”`} on this page
                            {props.firstPage ? '' : ' (continued)'}, in storage order: search to find someone by name.
                        </caption>
                        <thead>
                            <tr>
                                <th scope="col" class="col-name">
                                    Name
                                </th>
                                <th scope="col" class="col-upn">
                                    Sign-in name and mail
                                </th>
                                <th scope="col" class="col-title">
                                    Job title
                                </th>
                                <th scope="col" class="col-department">
                                    Department
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {users.map((user) => (
                                <tr key={user.id}>
                                    <td>
                                        {user.displayName ?? '—'}
                                        {user.userType === 'Guest' ? <span class="tag">guest</span> : null}
                                        {user.accountEnabled === false ? (
                                            <span class="tag warn">sign-in blocked</span>
                                        ) : null}
                                    </td>
                                    <td>
                                        {user.userPrincipalName ?? '—'}
                                        {user.mail !== null && user.mail !== user.userPrincipalName ? (
                                            <span class="secondary">{user.mail}</span>
                                        ) : null}
                                    </td>
                                    <td>{user.jobTitle ?? '—'}</td>
                                    <td>{user.department ?? '—'}</td>
                                </tr>
                            ))}
                        </tbody>
                    </table>
                </div>
            )}
            <nav class="pager" aria-label="Pages">
                {props.firstPage ? null : <a href={link(base, search)}>First page</a>}
                {props.nextPage === undefined ? null : (
                    <a class="button secondary" href={link(base, search, props.nextPage)}>
                        Next 100 users
                    </a>
                )}
            </nav>
        </Layout>
    );
}
