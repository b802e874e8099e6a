import type { SignInProblem } from '../../auth';
import type { ConsentOutcome } from '../../onboarding';
import type { StateProblem } from '../../onboarding/consentStates';
import { PostForm, type PageContext } from '../render';
import { MessagePage } from './message';

/** The signed-in user's organization as we can name it without the registry: their sign-in domain. */
function organizationOf(context: PageContext, tenantId: string): string {
    const domain = context.session?.username.split('@')[1];
    return domain === undefined || domain === '' ? tenantId : domain;
}

function HomeLink(props: { label?: string }) {
    return (
        <a class="button secondary" href="/">
            {props.label ?? 'Go to the start page'}
        </a>
    );
}

function SignOutButton(props: { context: PageContext; label?: string }) {
    if (props.context.session === undefined) return null;
    return (
        <PostForm action="/auth/signout" csrf={props.context.csrf}>
            <button type="submit" class="button secondary">
                {props.label ?? 'Sign out'}
            </button>
        </PostForm>
    );
}

/** 403: a signed-in user asked for another organization's page, or for an administrator's action. */
export function ForbiddenPage(props: { context: PageContext; reason: 'other_tenant' | 'not_admin' | 'csrf' }) {
    const { context, reason } = props;
    const session = context.session;
    if (reason === 'not_admin')
        return (
            <MessagePage
                context={context}
                title="Only administrators can do this"
                actions={<HomeLink label="Back to your organization" />}
            >
                <p>
                    Starting a sync and disconnecting are for a Global Administrator or Privileged Role Administrator of
                    your organization. Your sign-in does not show either role. If you hold one, sign out and sign in
                    again so Microsoft includes it.
                </p>
            </MessagePage>
        );
    if (reason === 'csrf')
        return (
            <MessagePage context={context} title="This form has expired" actions={<HomeLink />}>
                <p>
                    The form you sent was not from your current session (perhaps you signed in again in another window,
                    or the page was open for a long time). Nothing was changed. Open the page again and retry.
                </p>
            </MessagePage>
        );
    return (
        <MessagePage
            context={context}
            title="This organization’s page is not yours to see"
            actions={
                <>
                    <HomeLink label="Go to your organization" />
                    <SignOutButton context={context} label="Sign in with another account" />
                </>
            }
        >
            <p>
                Tenant Sync shows each organization only its own data. You are signed in as{' '}
                <strong>{session?.username ?? 'someone else'}</strong>, whose organization is not the one this page
                belongs to.
            </p>
        </MessagePage>
    );
}

/** 404 for the signed-in user's own organization before it is connected. */
export function NotConnectedPage(props: { context: PageContext }) {
    return (
        <MessagePage
            context={props.context}
            title="Your organization is not connected yet"
            tone="info"
            actions={
                <a class="button" href="/connect">
                    Connect your organization
                </a>
            }
        >
            <p>There is nothing to show until an administrator connects your organization to Tenant Sync.</p>
        </MessagePage>
    );
}

export function BadRequestPage(props: { context: PageContext; message: string }) {
    return (
        <MessagePage context={props.context} title="That address is not quite right" actions={<HomeLink />}>
            <p>{props.message}</p>
        </MessagePage>
    );
}

/** 409: the action does not fit the organization's status (a sync of a disconnected organization). */
export function ConflictPage(props: { context: PageContext; message: string; tenantId: string | undefined }) {
    return (
        <MessagePage
            context={props.context}
            title="That cannot be done right now"
            actions={
                props.tenantId === undefined ? (
                    <HomeLink />
                ) : (
                    <a class="button secondary" href={`/tenants/${props.tenantId}`}>
                        Back to the organization
                    </a>
                )
            }
        >
            <p>{props.message}</p>
        </MessagePage>
    );
}

/** 503: a dependency failed in a way that may clear by itself, or our operators must act. */
export function UnavailablePage(props: { context: PageContext; correlationId: string; ours: boolean }) {
    return (
        <MessagePage
            context={props.context}
            title={props.ours ? 'A problem on our side' : 'Tenant Sync is briefly unavailable'}
            tone="wait"
            actions={<HomeLink />}
            technical={{ 'Reference for support': props.correlationId }}
        >
            {props.ours ? (
                <p>
                    Tenant Sync cannot complete this because of a problem in its own setup. Our operators can find it
                    with the reference below. Nothing was changed.
                </p>
            ) : (
                <p>
                    A service Tenant Sync depends on did not answer in time. Nothing was changed; please try again in a
                    minute.
                </p>
            )}
        </MessagePage>
    );
}

export function InternalErrorPage(props: { context: PageContext; correlationId: string }) {
    return (
        <MessagePage
            context={props.context}
            title="Something went wrong"
            actions={<HomeLink />}
            technical={{ 'Reference for support': props.correlationId }}
        >
            <p>Tenant Sync hit an unexpected error. It has been logged with the reference below.</p>
        </MessagePage>
    );
}

const SIGN_IN_TEXT: Record<Exclude<SignInProblem, 'personal_account'>, { title: string; text: string }> = {
    state: {
        title: 'Please sign in again',
        text: 'This sign-in could not be matched to one started in this browser: it took longer than 15 minutes, was started in another window or browser, or the link was used twice. Nothing was stored.',
    },
    identity_platform: {
        title: 'Microsoft did not sign you in',
        text: 'The sign-in was cancelled or refused on Microsoft’s page. You can try again, with another account if needed.',
    },
    bad_request: {
        title: 'Please sign in again',
        text: 'The answer from Microsoft’s sign-in page was incomplete. Nothing was stored.',
    },
    code: {
        title: 'Please sign in again',
        text: 'Microsoft did not accept this sign-in’s one-time code (it may have been used already or have expired). Nothing was stored.',
    },
    token: {
        title: 'The sign-in could not be verified',
        text: 'The answer from Microsoft failed Tenant Sync’s checks, so you were not signed in. If this happens again, contact support with the reference below.',
    },
};

/** The page for a failed sign-in at /auth/callback. */
export function SignInProblemPage(props: {
    context: PageContext;
    problem: SignInProblem;
    returnTo: string;
    error?: string | undefined;
    description?: string | undefined;
    correlationId: string;
}) {
    const retry = `/auth/signin?returnTo=${encodeURIComponent(props.returnTo)}`;
    if (props.problem === 'personal_account') return <PersonalAccountPage context={props.context} />;
    const text = SIGN_IN_TEXT[props.problem];
    return (
        <MessagePage
            context={props.context}
            title={text.title}
            remoteDescription={props.description}
            actions={
                <>
                    <a class="button" href={retry}>
                        Sign in again
                    </a>
                    <HomeLink />
                </>
            }
            technical={{ Error: props.error, 'Reference for support': props.correlationId }}
        >
            <p>{text.text}</p>
        </MessagePage>
    );
}

/** A personal Microsoft account signed in: there is no organization to connect. */
export function PersonalAccountPage(props: { context: PageContext }) {
    return (
        <MessagePage
            context={props.context}
            title="Use a work or school account"
            tone="info"
            actions={
                <>
                    <a class="button" href="/auth/signin">
                        Sign in with a work or school account
                    </a>
                    <HomeLink />
                </>
            }
        >
            <p>
                You signed in with a personal Microsoft account (such as outlook.com or hotmail.com). Tenant Sync
                connects organizations that use Microsoft Entra ID, and a personal account belongs to none, so there is
                nothing to connect.
            </p>
            <p>
                Sign in with the account your organization gave you (usually name@your-company.com). If Microsoft signs
                you straight back in with the personal account, choose “Use another account” on its page.
            </p>
        </MessagePage>
    );
}

const STATE_TEXT: Record<StateProblem, string> = {
    missing: 'The answer from Microsoft carries no proof that this browser started it.',
    invalid: 'The answer from Microsoft carries a proof that Tenant Sync did not issue.',
    expired: 'More than 15 minutes passed on Microsoft’s page, so this connection attempt expired.',
    replayed: 'This answer was already used once: each connection attempt can be completed only once.',
    other_session: 'This answer belongs to a connection attempt started in another session or browser.',
    no_session: 'You are not signed in in this browser (or your session ended), so the answer cannot be checked.',
};

/** The connect callback's failures, each with what happened and how to retry. */
export function ConsentProblemPage(props: {
    context: PageContext;
    outcome: Exclude<ConsentOutcome, { kind: 'connected' }>;
    correlationId: string;
}) {
    const { context, outcome, correlationId } = props;
    const isAdmin = context.session?.isAdmin === true;
    const retry = (
        <a class="button" href="/connect">
            Try again
        </a>
    );
    const support = { 'Reference for support': correlationId };
    switch (outcome.kind) {
        case 'badState':
            return (
                <MessagePage
                    context={context}
                    title="This connection attempt cannot be completed"
                    actions={
                        <>
                            {retry}
                            <HomeLink />
                        </>
                    }
                    technical={{ Problem: outcome.problem, ...support }}
                >
                    <p>{STATE_TEXT[outcome.problem]}</p>
                    <p>Nothing was stored. Start again from the connect button.</p>
                </MessagePage>
            );
        case 'badRequest':
            return (
                <MessagePage
                    context={context}
                    title="Microsoft’s answer was incomplete"
                    actions={retry}
                    technical={support}
                >
                    <p>{outcome.detail} Nothing was stored.</p>
                </MessagePage>
            );
        case 'otherTenant': {
            const consented = outcome.names[outcome.consentedTenantId] ?? outcome.consentedTenantId;
            const own = outcome.names[outcome.sessionTenantId] ?? organizationOf(context, outcome.sessionTenantId);
            return (
                <MessagePage
                    context={context}
                    title="Consent was given for another organization"
                    actions={
                        <>
                            {retry}
                            <SignOutButton context={context} label="Sign in with another account" />
                        </>
                    }
                    technical={support}
                >
                    <p>
                        You are signed in to <strong>{own}</strong>, but consent was granted for{' '}
                        <strong>{consented}</strong>. Tenant Sync connects only the organization you signed in with, so
                        nothing was stored.
                    </p>
                    <p>
                        To connect {own}, try again and, on Microsoft’s page, use an administrator account of {own}. To
                        connect {consented}, sign in with an account of {consented} first.
                    </p>
                </MessagePage>
            );
        }
        case 'refused':
            return <RefusedPage {...props} outcome={outcome} isAdmin={isAdmin} retry={retry} support={support} />;
    }
}

function RefusedPage(props: {
    context: PageContext;
    outcome: Extract<ConsentOutcome, { kind: 'refused' }>;
    isAdmin: boolean;
    retry: preact.JSX.Element;
    support: Record<string, string>;
}) {
    const { context, outcome, isAdmin, retry, support } = props;
    const otherOrganization = outcome.aadsts === 'AADSTS50020';
    // "Return to the application" from Microsoft's "Need admin approval" page comes back as
    // access_denied with error_subcode=cancel; for a user without an administrator role that means
    // Microsoft asked for an administrator. Anyone else who cancels simply declined (AADSTS65004).
    const turnedAway =
        !isAdmin && !otherOrganization && (outcome.errorSubcode === 'cancel' || outcome.error === 'access_denied');
    const cancelled = outcome.aadsts === 'AADSTS65004' || outcome.errorSubcode === 'cancel';
    const technical = { Error: outcome.error, Code: outcome.aadsts, ...support };
    const remote = outcome.description;
    if (otherOrganization)
        return (
            <MessagePage
                context={context}
                title="Microsoft refused an account from another organization"
                remoteDescription={remote}
                actions={retry}
                technical={technical}
            >
                <p>
                    On Microsoft’s page you used an account that does not belong to your organization. Consent can only
                    be granted by an administrator of the organization you signed in with here. Nothing was stored; try
                    again and pick an administrator account of your own organization.
                </p>
            </MessagePage>
        );
    if (turnedAway)
        return (
            <MessagePage
                context={context}
                title="An administrator needs to connect your organization"
                tone="info"
                remoteDescription={remote}
                actions={
                    <>
                        <HomeLink />
                        <SignOutButton context={context} label="Sign in as an administrator" />
                    </>
                }
                technical={technical}
            >
                <p>
                    Granting Tenant Sync access to your organization’s users takes a Global Administrator or Privileged
                    Role Administrator, and your account is neither, so Microsoft did not let you consent. Nothing was
                    stored.
                </p>
                <p>Ask one of your administrators to open this site and press “Connect your organization”.</p>
            </MessagePage>
        );
    if (cancelled)
        return (
            <MessagePage
                context={context}
                title="Consent was not granted"
                tone="info"
                remoteDescription={remote}
                actions={
                    <>
                        {retry}
                        <HomeLink />
                    </>
                }
                technical={technical}
            >
                <p>
                    The consent was cancelled on Microsoft’s page, so Tenant Sync has no access to your organization and
                    nothing was stored. You can try again whenever you are ready.
                </p>
            </MessagePage>
        );
    return (
        <MessagePage
            context={context}
            title="Microsoft reported a problem with the consent"
            remoteDescription={remote}
            actions={
                <>
                    {retry}
                    <HomeLink />
                </>
            }
            technical={technical}
        >
            <p>
                Microsoft sent the browser back with an error instead of a consent, so nothing was stored. Its own words
                are below; trying again often helps, and support can use the reference to find out more.
            </p>
        </MessagePage>
    );
}
