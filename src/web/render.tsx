import type { Cookie, HttpResponseInit } from '@azure/functions';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

import type { Session } from '../auth';
import { CSRF_FIELD } from '../auth/csrf';
import { NO_STORE, SECURITY_HEADERS } from './headers';
import { STYLESHEET_HREF } from './stylesheet';

/** What every page knows about the request: who is signed in, and the CSRF token for their forms. */
export interface PageContext {
    session: Session | undefined;
    /** Present with a session: every POST form carries it. */
    csrf: string | undefined;
}

export const anonymous: PageContext = { session: undefined, csrf: undefined };

export interface LayoutProps {
    context: PageContext;
    /** The document title (the page's own heading comes first, then the product). */
    title: string;
    /** Reload the page after this many seconds: live progress without JavaScript. */
    refreshSeconds?: number | undefined;
    children: ComponentChildren;
}

/** A form that posts to us with the session's CSRF token. */
export function PostForm(props: {
    action: string;
    csrf: string | undefined;
    class?: string;
    children: ComponentChildren;
}) {
    return (
        <form method="post" action={props.action} class={props.class}>
            <input type="hidden" name={CSRF_FIELD} value={props.csrf ?? ''} />
            {props.children}
        </form>
    );
}

export function Layout(props: LayoutProps) {
    const { session, csrf } = props.context;
    return (
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {props.refreshSeconds === undefined ? null : (
                    <meta http-equiv="refresh" content={String(props.refreshSeconds)} />
                )}
                <title>{`${props.title} · Tenant Sync`}</title>
                <link rel="stylesheet" href={STYLESHEET_HREF} />
            </head>
            <body>
                <a class="skip-link" href="#main">
                    Skip to content
                </a>
                <header class="site-header">
                    <div class="bar">
                        <a class="brand" href="/">
                            <span class="brand-mark" aria-hidden="true" />
                            Tenant Sync
                        </a>
                        <nav class="account" aria-label="Account">
                            {session === undefined ? (
                                <a href="/auth/signin">Sign in</a>
                            ) : (
                                <>
                                    <span class="who">
                                        Signed in as <strong>{session.name}</strong> ({session.username})
                                    </span>
                                    <PostForm action="/auth/signout" csrf={csrf}>
                                        <button type="submit" class="button link">
                                            Sign out
                                        </button>
                                    </PostForm>
                                </>
                            )}
                        </nav>
                    </div>
                </header>
                <main id="main" tabIndex={-1}>
                    {props.children}
                </main>
                <footer class="site-footer">
                    <p>
                        Tenant Sync reads your organization’s users from Microsoft Entra ID. It never changes anything
                        in your directory.
                    </p>
                </footer>
            </body>
        </html>
    );
}

/** An HTML page with the security headers, never cached. */
export function htmlResponse(page: VNode, options: { status?: number; cookies?: Cookie[] } = {}): HttpResponseInit {
    return {
        status: options.status ?? 200,
        headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...NO_STORE },
        body: `<!DOCTYPE html>${renderToString(page)}`,
        ...(options.cookies === undefined || options.cookies.length === 0 ? {} : { cookies: options.cookies }),
    };
}

/**
 * A redirect: 302 to start a flow (sign-in, consent), 303 after a POST or a callback so the browser
 * follows with a GET and a reload never repeats the action.
 */
export function redirectResponse(
    location: string,
    options: { status?: 302 | 303; cookies?: Cookie[] } = {},
): HttpResponseInit {
    return {
        status: options.status ?? 302,
        headers: { location, ...SECURITY_HEADERS, ...NO_STORE },
        ...(options.cookies === undefined || options.cookies.length === 0 ? {} : { cookies: options.cookies }),
    };
}
