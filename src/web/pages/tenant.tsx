import type { SyncRun } from '../../sync/runsStore';
import type { TenantRecord } from '../../tenants';
import { StatusBadge } from '../components';
import { formatCount, formatDuration, formatTime, plural } from '../format';
import { Layout, type PageContext, PostForm } from '../render';
import { describeStatus, type SyncActivity } from '../tenantStatusView';

/** While a sync runs or is about to, the page reloads itself this often (a meta refresh: no JavaScript). */
export const PROGRESS_REFRESH_SECONDS = 5;

const TRIGGER: Record<SyncRun['trigger'], string> = {
    schedule: 'Schedule',
    consent: 'Connection',
    manual: 'Sync now',
    continuation: 'Continuation',
};

const RUN_STATE: Record<SyncRun['state'], string> = {
    queued: 'Queued',
    running: 'Running',
    continued: 'Running',
    succeeded: 'Succeeded',
    failed: 'Failed',
    blocked: 'Blocked',
};

export function Breadcrumb(props: { tenant: TenantRecord; current?: string }) {
    return (
        <nav aria-label="Breadcrumb" class="small">
            <a href="/">Home</a> ›{' '}
            {props.current === undefined ? (
                <span aria-current="page">{props.tenant.displayName}</span>
            ) : (
                <>
                    <a href={`/tenants/${props.tenant.tenantId}`}>{props.tenant.displayName}</a> ›{' '}
                    <span aria-current="page">{props.current}</span>
                </>
            )}
        </nav>
    );
}

function Activity(props: { activity: SyncActivity }) {
    const { activity } = props;
    if (activity.kind === 'running')
        return (
            <div class="notice wait" role="status">
                <p class="progress">
                    <span class="spinner" aria-hidden="true" />
                    <span>
                        <strong>Sync in progress:</strong> {plural(activity.pages, 'page')},{' '}
                        {plural(activity.users, 'user')} so far.
                    </span>
                </p>
                <p class="small">This page refreshes itself every {PROGRESS_REFRESH_SECONDS} seconds.</p>
            </div>
        );
    if (activity.kind === 'queued')
        return (
            <div class="notice wait" role="status">
                <p>
                    <strong>A sync is queued</strong> (since {formatTime(activity.since)}) and starts shortly.
                </p>
                {activity.stale ? (
                    <p class="small">It has been waiting a while; reload the page later to see it run.</p>
                ) : (
                    <p class="small">This page refreshes itself every {PROGRESS_REFRESH_SECONDS} seconds.</p>
                )}
            </div>
        );
    return null;
}

/** "Succeeded 2 Dec 2026, 08:41 UTC: 250 added, 0 updated, 0 removed", or that none has finished. */
function LastSync(props: { tenant: TenantRecord }) {
    const run = props.tenant.lastRun;
    if (run === undefined)
        return (
            <>
                {props.tenant.lastSyncAt === undefined
                    ? 'No sync has finished yet'
                    : formatTime(props.tenant.lastSyncAt)}
            </>
        );
    return (
        <>
            {RUN_STATE[run.outcome]} {formatTime(run.finishedAt)}: {formatCount(run.added)} added,{' '}
            {formatCount(run.updated)} updated, {formatCount(run.removed)} removed
            {run.errorCode === undefined ? null : (
                <>
                    {' '}
                    <code>{run.errorCode}</code>
                </>
            )}
        </>
    );
}

function RunsTable(props: { runs: SyncRun[] }) {
    if (props.runs.length === 0) return <p class="muted">No syncs yet.</p>;
    return (
        <div class="table-wrap">
            <table>
                <caption>The most recent syncs, newest first</caption>
                <thead>
                    <tr>
                        <th scope="col">Requested</th>
                        <th scope="col">Trigger</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Result</th>
                        <th scope="col" class="number">
                            Added
                        </th>
                        <th scope="col" class="number">
                            Updated
                        </th>
                        <th scope="col" class="number">
                            Removed
                        </th>
                        <th scope="col">Took</th>
                    </tr>
                </thead>
                <tbody>
                    {props.runs.map((run) => (
                        <tr key={run.runId}>
                            <td>{formatTime(run.requestedAt)}</td>
                            <td>{TRIGGER[run.trigger]}</td>
                            <td>{run.mode === undefined ? '—' : run.mode === 'full' ? 'Full' : 'Changes only'}</td>
                            <td>
                                {RUN_STATE[run.state]}
                                {run.errorCode === undefined ? null : (
                                    <>
                                        {' '}
                                        <code class="small">{run.errorCode}</code>
                                    </>
                                )}
                            </td>
                            <td class="number">{formatCount(run.added)}</td>
                            <td class="number">{formatCount(run.updated)}</td>
                            <td class="number">{formatCount(run.removed)}</td>
                            <td>{formatDuration(run.startedAt, run.finishedAt)}</td>
                        </tr>
                    ))}
                </tbody>
            </table>
        </div>
    );
}

export interface TenantPageProps {
    context: PageContext;
    tenant: TenantRecord;
    runs: SyncRun[];
    activity: SyncActivity;
}

/** GET /tenants/{tenantId}: connection status, sync status with live progress, recent runs, admin actions. */
export function TenantPage(props: TenantPageProps) {
    const { context, tenant, runs, activity } = props;
    const isAdmin = context.session?.isAdmin === true;
    const view = describeStatus(tenant);
    const base = `/tenants/${tenant.tenantId}`;
    const refresh =
        activity.kind === 'running' || (activity.kind === 'queued' && !activity.stale)
            ? PROGRESS_REFRESH_SECONDS
            : undefined;
    const disconnected = tenant.status === 'disconnected';
    return (
        <Layout context={context} title={tenant.displayName} refreshSeconds={refresh}>
            <Breadcrumb tenant={tenant} />
            <h1>{tenant.displayName}</h1>

            <section class="card" aria-labelledby="connection-heading">
                <h2 id="connection-heading">
                    Connection <StatusBadge view={view} />
                </h2>
                <p>{view.explanation}</p>
                <dl class="facts">
                    <dt>Organization id</dt>
                    <dd>
                        <code>{tenant.tenantId}</code>
                    </dd>
                    {tenant.connectedBy === undefined ? null : (
                        <>
                            <dt>Connected by</dt>
                            <dd>
                                {tenant.connectedBy.name} ({tenant.connectedBy.username}) on{' '}
                                {formatTime(tenant.connectedAt)}
                            </dd>
                        </>
                    )}
                    {tenant.consentedAt === undefined ? null : (
                        <>
                            <dt>Consent granted</dt>
                            <dd>{formatTime(tenant.consentedAt)}</dd>
                        </>
                    )}
                    {tenant.statusCode === undefined && tenant.statusDetail === undefined ? null : (
                        <>
                            <dt>Details</dt>
                            <dd>
                                {tenant.statusCode === undefined ? null : <code>{tenant.statusCode}</code>}
                                {tenant.statusCode !== undefined && tenant.statusDetail !== undefined ? ' — ' : null}
                                {tenant.statusDetail}
                            </dd>
                        </>
                    )}
                </dl>
                {view.needsConsent ? (
                    <div class="actions">
                        <a class="button" href="/connect">
                            {disconnected ? 'Connect again' : 'Consent again'}
                        </a>
                    </div>
                ) : null}
            </section>

            <section class="card" aria-labelledby="sync-heading">
                <h2 id="sync-heading">Sync</h2>
                {disconnected ? (
                    <p>Nothing syncs while the organization is disconnected.</p>
                ) : (
                    <>
                        <Activity activity={activity} />
                        <dl class="facts">
                            <dt>Users synced</dt>
                            <dd>
                                {formatCount(tenant.userCount)} · <a href={`${base}/users`}>View users</a>
                            </dd>
                            <dt>Last sync</dt>
                            <dd>
                                <LastSync tenant={tenant} />
                            </dd>
                        </dl>
                        {isAdmin ? (
                            <div class="actions">
                                {view.canSync ? (
                                    <PostForm action={`${base}/sync`} csrf={context.csrf}>
                                        <button type="submit" class="button">
                                            Sync now
                                        </button>
                                    </PostForm>
                                ) : null}
                                <a class="button danger-outline" href={`${base}/disconnect`}>
                                    Disconnect…
                                </a>
                            </div>
                        ) : (
                            <p class="small muted">
                                Only a Global Administrator or Privileged Role Administrator can start a sync or
                                disconnect.
                            </p>
                        )}
                    </>
                )}
            </section>

            <section class="card" aria-labelledby="runs-heading">
                <h2 id="runs-heading">Recent syncs</h2>
                <RunsTable runs={runs} />
            </section>
        </Layout>
    );
}
