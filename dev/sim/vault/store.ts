import { randomBytes } from 'node:crypto';

/** One version of a secret, as Key Vault stores it. Times are unix seconds. */
export interface SecretVersion {
    /** 32 lower-case hex characters. */
    version: string;
    value: string;
    contentType?: string;
    tags?: Record<string, string>;
    enabled: boolean;
    created: number;
    updated: number;
    nbf?: number;
    exp?: number;
}

export interface SecretAttributesInput {
    enabled?: boolean | undefined;
    nbf?: number | null | undefined;
    exp?: number | null | undefined;
}

/** Secrets by name (case-insensitive, as Key Vault treats names), each with its versions, newest last. */
export class SecretStore {
    private readonly secrets = new Map<string, { name: string; versions: SecretVersion[] }>();

    constructor(private readonly nowSeconds: () => number) {}

    /** Adds a new version and returns it; it becomes the current one. */
    set(
        name: string,
        value: string,
        options: {
            contentType?: string | undefined;
            tags?: Record<string, string> | undefined;
            attributes?: SecretAttributesInput | undefined;
        } = {},
    ): SecretVersion {
        const key = name.toLowerCase();
        const entry = this.secrets.get(key) ?? { name, versions: [] };
        const now = this.nowSeconds();
        const version: SecretVersion = {
            version: randomBytes(16).toString('hex'),
            value,
            enabled: options.attributes?.enabled ?? true,
            created: now,
            updated: now,
        };
        if (options.contentType !== undefined) version.contentType = options.contentType;
        if (options.tags !== undefined) version.tags = options.tags;
        applyAttributes(version, options.attributes ?? {});
        entry.versions.push(version);
        this.secrets.set(key, entry);
        return version;
    }

    /** The named version, or the current (newest) one; undefined when either is missing. */
    get(name: string, version?: string): { name: string; secret: SecretVersion } | undefined {
        const entry = this.secrets.get(name.toLowerCase());
        if (!entry) return undefined;
        const secret =
            version === undefined || version === ''
                ? entry.versions[entry.versions.length - 1]
                : entry.versions.find((v) => v.version === version.toLowerCase());
        return secret ? { name: entry.name, secret } : undefined;
    }

    update(name: string, version: string | undefined, attributes: SecretAttributesInput): SecretVersion | undefined {
        const found = this.get(name, version)?.secret;
        if (!found) return undefined;
        applyAttributes(found, attributes);
        found.updated = this.nowSeconds();
        return found;
    }

    /** Every secret with every version (values included), for the simulator's saved state. */
    snapshot(): Array<{ name: string; versions: SecretVersion[] }> {
        return structuredClone([...this.secrets.values()]);
    }

    restore(saved: Array<{ name: string; versions: SecretVersion[] }>): void {
        this.secrets.clear();
        for (const entry of saved) this.secrets.set(entry.name.toLowerCase(), entry);
    }

    describe(): Array<{ name: string; versions: Array<Omit<SecretVersion, 'value'>> }> {
        return [...this.secrets.values()].map((entry) => ({
            name: entry.name,
            // Values never leave through the control API's state view.
            versions: entry.versions.map(({ value: _value, ...rest }) => rest),
        }));
    }
}

function applyAttributes(version: SecretVersion, attributes: SecretAttributesInput): void {
    if (attributes.enabled !== undefined) version.enabled = attributes.enabled;
    if (attributes.nbf === null) delete version.nbf;
    else if (attributes.nbf !== undefined) version.nbf = attributes.nbf;
    if (attributes.exp === null) delete version.exp;
    else if (attributes.exp !== undefined) version.exp = attributes.exp;
}
