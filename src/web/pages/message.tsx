import type { ComponentChildren } from 'preact';

import { Layout, type PageContext } from '../render';

export interface MessageProps {
    context: PageContext;
    title: string;
    /** info: neutral; wait: nothing is wrong, something takes time; warn: it did not work. */
    tone?: 'info' | 'wait' | 'warn';
    children: ComponentChildren;
    /** Buttons and links: what to do next. */
    actions?: ComponentChildren;
    /** The identity platform's own words (`error_description`), shown verbatim and escaped. */
    remoteDescription?: string | undefined;
    /** Codes that help support: an error code, the AADSTS code, the request's correlation id. */
    technical?: Record<string, string | undefined>;
}

/** Longer remote texts are cut: they are for people, and a page must stay readable. */
const MAX_DESCRIPTION = 2000;

/** Every error and notice page: what happened, why, and what to do now. */
export function MessagePage(props: MessageProps) {
    const tone = props.tone ?? 'warn';
    const technical = Object.entries(props.technical ?? {}).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    );
    const description =
        props.remoteDescription === undefined || props.remoteDescription.length <= MAX_DESCRIPTION
            ? props.remoteDescription
            : `${props.remoteDescription.slice(0, MAX_DESCRIPTION)}…`;
    return (
        <Layout context={props.context} title={props.title}>
            <h1>{props.title}</h1>
            <div class={`notice ${tone === 'info' ? '' : tone}`.trim()}>{props.children}</div>
            {description === undefined || description === '' ? null : (
                <section aria-labelledby="remote-heading">
                    <h2 id="remote-heading">What Microsoft said</h2>
                    <code class="error-text">{description}</code>
                </section>
            )}
            {props.actions === undefined ? null : <div class="actions">{props.actions}</div>}
            {technical.length === 0 ? null : (
                <p class="technical">
                    {technical.map(([name, value], index) => (
                        <span key={name}>
                            {index > 0 ? ' · ' : ''}
                            {name}: <code>{value}</code>
                        </span>
                    ))}
                </p>
            )}
        </Layout>
    );
}
