/**
 * The HTML pages of the simulated login service. Rendered with preact-render-to-string, so every
 * value is escaped by construction (user names, app names and error texts come from requests).
 */
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';

import type { SimResponse } from '../core/http';

const STYLE = `
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:6px;font-size:15px}
button{margin:16px 8px 0 0;padding:6px 20px;font-size:15px}
.error{color:#e81123}
.small{font-size:12px;color:#555}
.banner{font-size:20px;font-weight:600;margin:0 0 16px}
li{margin:8px 0}
`;

function Layout(props: { title: string; children: ComponentChildren }) {
    return (
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{props.title}</title>
                <style dangerouslySetInnerHTML={{ __html: STYLE }} />
            </head>
            <body>
                <main>
                    <p class="small">Microsoft (Tenant Sync local simulator)</p>
                    {props.children}
                </main>
            </body>
        </html>
    );
}

export function htmlResponse(
    page: preact.JSX.Element,
    status = 200,
    headers: Record<string, string | string[]> = {},
): SimResponse {
    return {
        status,
        headers: {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store, no-cache',
            pragma: 'no-cache',
            'x-frame-options': 'DENY',
            ...headers,
        },
        body: `<!DOCTYPE html>${renderToString(page)}`,
    };
}

export interface AccountChoice {
    username: string;
    displayName: string;
}

export function SignInPage(props: {
    action: string;
    ctx: string;
    appName: string;
    /** The organisation whose branded page this is (in place of its banner logo), if Entra knows it already. */
    organization: { id: string; displayName: string } | undefined;
    loginHint: string | undefined;
    error: string | undefined;
    accounts: AccountChoice[];
}) {
    return (
        <Layout title="Sign in to your account">
            {props.organization !== undefined && (
                <p class="banner" id="organization" data-tenant-id={props.organization.id}>
                    {props.organization.displayName}
                </p>
            )}
            <h1>Sign in</h1>
            <p>
                to continue to <strong>{props.appName}</strong>
            </p>
            {props.accounts.length > 0 && (
                <form method="post" action={props.action}>
                    <input type="hidden" name="ctx" value={props.ctx} />
                    <p>Pick an account</p>
                    <ul>
                        {props.accounts.map((account) => (
                            <li key={account.username}>
                                <button type="submit" name="account" value={account.username}>
                                    {account.displayName} ({account.username})
                                </button>
                            </li>
                        ))}
                    </ul>
                    <p>Or use another account:</p>
                </form>
            )}
            <form method="post" action={props.action} id="signin">
                <input type="hidden" name="ctx" value={props.ctx} />
                {props.error !== undefined && (
                    <p class="error" role="alert" id="error">
                        {props.error}
                    </p>
                )}
                <label for="login">Email, phone, or Skype</label>
                <input type="email" id="login" name="login" autocomplete="username" value={props.loginHint ?? ''} />
                <label for="passwd">Password</label>
                <input type="password" id="passwd" name="passwd" autocomplete="current-password" />
                <button type="submit" id="idSIButton9" name="action" value="signin">
                    Sign in
                </button>
            </form>
        </Layout>
    );
}

export interface PermissionLine {
    displayName: string;
    description: string;
}

export function ConsentPage(props: {
    action: string;
    ctx: string;
    appName: string;
    username: string;
    tenantName: string;
    permissions: PermissionLine[];
    onBehalfOfOrganization: boolean;
}) {
    return (
        <Layout title="Permissions requested">
            <h1>Permissions requested</h1>
            {props.onBehalfOfOrganization && <h2>Accept for your organization</h2>}
            <p>
                Signed in as <strong>{props.username}</strong>
            </p>
            <p>
                <strong>{props.appName}</strong> (unverified) would like to:
            </p>
            <ul id="permissions">
                {props.permissions.map((p) => (
                    <li key={p.displayName} title={p.description}>
                        {p.displayName}
                    </li>
                ))}
            </ul>
            {props.onBehalfOfOrganization && (
                <p>
                    If you accept, this app will get access to the specified resources for all users in{' '}
                    <strong>{props.tenantName}</strong>. No one else will be prompted to review these permissions.
                </p>
            )}
            <form method="post" action={props.action}>
                <input type="hidden" name="ctx" value={props.ctx} />
                <button type="submit" name="consent" value="cancel" id="idBtn_Back">
                    Cancel
                </button>
                <button type="submit" name="consent" value="accept" id="idSIButton9">
                    Accept
                </button>
            </form>
        </Layout>
    );
}

/**
 * What a non-admin sees at the admin consent endpoint (AADSTS90094): a way to sign in with an admin
 * account, and a way back to the app without granting consent.
 */
export function NeedAdminApprovalPage(props: {
    action: string;
    ctx: string;
    code: string;
    message: string;
    appName: string;
    username: string;
}) {
    return (
        <Layout title="Need admin approval">
            <p class="small">{props.username}</p>
            <h1>Need admin approval</h1>
            <p class="error" id="error" data-error-code={props.code}>
                {props.message}
            </p>
            <form method="post" action={props.action} id="switch-account">
                <input type="hidden" name="ctx" value={props.ctx} />
                <button type="submit" name="action" value="switch">
                    Have an admin account? Sign in with that account
                </button>
            </form>
            <form method="post" action={props.action} id="return-to-app">
                <input type="hidden" name="ctx" value={props.ctx} />
                <button type="submit" name="consent" value="return">
                    Return to the application without granting consent
                </button>
            </form>
        </Layout>
    );
}

export interface ErrorDetails {
    /** "AADSTS50011" or an OAuth error name when there is no AADSTS code. */
    code: string;
    message: string;
    requestId: string;
    correlationId: string;
    timestamp: string;
}

/** The page Entra shows instead of redirecting (bad redirect_uri, unknown app, wrong account, ...). */
export function ErrorPage(props: ErrorDetails) {
    return (
        <Layout title="Sign in to your account">
            <h1>Sorry, but we’re having trouble signing you in.</h1>
            <p class="error" id="error" data-error-code={props.code}>
                {props.code}: {props.message}
            </p>
            <p class="small">
                Request Id: {props.requestId}
                <br />
                Correlation Id: {props.correlationId}
                <br />
                Timestamp: {props.timestamp}
                <br />
                Message: {props.code}: {props.message}
            </p>
        </Layout>
    );
}

/** response_mode=form_post: a form the browser submits to the redirect URI on load. */
export function FormPostPage(props: { action: string; fields: Record<string, string> }) {
    return (
        <html lang="en">
            <head>
                <title>Working...</title>
            </head>
            <body>
                <form method="post" name="hiddenform" action={props.action}>
                    {Object.entries(props.fields).map(([name, value]) => (
                        <input key={name} type="hidden" name={name} value={value} />
                    ))}
                    <noscript>
                        <p>Script is disabled. Click Submit to continue.</p>
                        <input type="submit" value="Submit" />
                    </noscript>
                </form>
                <script dangerouslySetInnerHTML={{ __html: 'document.forms[0].submit();' }} />
            </body>
        </html>
    );
}

export function SignedOutPage() {
    return (
        <Layout title="Sign out">
            <h1>You signed out of your account</h1>
            <p>It’s a good idea to close all browser windows.</p>
        </Layout>
    );
}

/** Target of `error_uri`: what an AADSTS code means. */
export function ErrorLookupPage(props: { code: string; known: string | undefined }) {
    return (
        <Layout title={`Error ${props.code}`}>
            <h1>AADSTS{props.code}</h1>
            <p>{props.known ?? 'This simulator does not describe this code.'}</p>
        </Layout>
    );
}
