/** Reading the product's HTML as a browser would: its tags, and its text with entities decoded. */

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
    return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
        if (entity.startsWith('#x') || entity.startsWith('#X'))
            return String.fromCodePoint(parseInt(entity.slice(2), 16));
        if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
        return NAMED[entity.toLowerCase()] ?? whole;
    });
}

export interface Tag {
    name: string;
    attributes: string;
}

/** Every start tag in the page (text that is properly escaped contains none). */
export function tagsIn(html: string): Tag[] {
    return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/g)].map((m) => ({
        name: (m[1] ?? '').toLowerCase(),
        attributes: m[2] ?? '',
    }));
}

const ACTIVE_TAGS = new Set(['script', 'iframe', 'frame', 'object', 'embed', 'svg', 'img', 'base', 'math']);

/** What in the page could run or load something: script-like tags, event handlers, javascript: URLs. */
export function activeContent(html: string): string[] {
    const found: string[] = [];
    for (const tag of tagsIn(html)) {
        if (ACTIVE_TAGS.has(tag.name)) found.push(`<${tag.name}${tag.attributes}>`);
        if (/\son[a-z]+\s*=/i.test(tag.attributes)) found.push(`event handler in <${tag.name}${tag.attributes}>`);
        if (/(href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(tag.attributes))
            found.push(`javascript: URL in <${tag.name}${tag.attributes}>`);
    }
    return found;
}

/** The characters markup is made of: a value with none of them needs no escaping to be safe. */
export const MARKUP = /[<>"'&]/;
