import { keysFrom, mix32, randomFor } from './mix';
import { CULTURES, type Culture, DEPARTMENTS, EMOJI, GUEST_DOMAINS, JOB_TITLES, RESOURCE_ACCOUNTS } from './names';
import type { ObjectIdCodec } from './objectIds';
import type { DirectoryUser } from './userModel';

/** What a generated user depends on: the tenant, never other users (so any index can be made alone). */
export interface GenerationContext {
    /** Seed of this tenant's generated population. */
    seed: string;
    /** `keysFrom(seed)`, computed once per tenant. */
    keys: readonly number[];
    /** `<name>.onmicrosoft.com`: guests' UPNs live here. */
    defaultDomain: string;
    /** Domain of members' UPNs and mail (a verified custom domain when the tenant has one). */
    userDomain: string;
    codec: ObjectIdCodec;
}

type Kind = 'member' | 'guest' | 'resource';

interface Traits {
    culture: Culture;
    given: readonly [string, string];
    surname: readonly [string, string];
    kind: Kind;
    disabled: boolean;
    noMail: boolean;
    emoji: boolean;
    admin: boolean;
}

const DAY_MS = 86_400_000;
const CREATED_FROM = Date.UTC(2016, 0, 1);
const CREATED_SPAN_DAYS = 9 * 365;

/**
 * Index → user, deterministically. Indexes 0 and 1 are the tenant's published admin and ordinary
 * user; 2..14 are a fixed showcase of the awkward cases (guest, disabled, no mail, emoji, RTL
 * scripts, CJK, apostrophes, a resource account) so even a small tenant contains every one of them;
 * the rest are drawn from the seeded generator.
 */
export function generateUser(context: GenerationContext, index: number): DirectoryUser {
    const random = randomFor(context.keys, index);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const chance = (p: number) => random() < p;
    const traits = showcaseTraits(index) ?? randomTraits(random, pick, chance);

    const { culture, given, surname, kind } = traits;
    const id = context.codec.idFor(index);
    // The index is part of every generated sign-in name (except the two published ones), which makes
    // names unique without a registry and lets a name lead back to its index (see indexFromUserPrincipalName).
    const localPart = index <= 1 ? `${given[1]}.${surname[1]}` : `${given[1]}.${surname[1]}${index}`;
    const createdDateTime = new Date(CREATED_FROM + Math.floor(random() * CREATED_SPAN_DAYS) * DAY_MS + index * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
    const password = passwordFor(context.keys, index);

    if (kind === 'resource') {
        return {
            id,
            displayName: RESOURCE_ACCOUNTS[index % RESOURCE_ACCOUNTS.length] as string,
            givenName: null,
            surname: null,
            userPrincipalName: `resource${index}@${context.userDomain}`,
            mail: `resource${index}@${context.userDomain}`,
            jobTitle: null,
            department: 'Facilities',
            officeLocation: pick(culture.offices),
            mobilePhone: null,
            businessPhones: [],
            preferredLanguage: null,
            accountEnabled: !traits.disabled,
            userType: 'Member',
            createdDateTime,
            employeeId: null,
            otherMails: [],
            password,
            isAdmin: false,
        };
    }

    const nameParts = culture.surnameFirst ? [surname[0], given[0]] : [given[0], surname[0]];
    let displayName = nameParts.join(culture.separator);
    if (traits.emoji) displayName = `${displayName} ${pick(EMOJI)}`;

    if (kind === 'guest') {
        const guestDomain = pick(GUEST_DOMAINS);
        const external = `${localPart}@${guestDomain}`;
        return {
            id,
            displayName,
            givenName: given[0],
            surname: surname[0],
            userPrincipalName: `${localPart}_${guestDomain}#EXT#@${context.defaultDomain}`,
            mail: external,
            jobTitle: chance(0.5) ? pick(JOB_TITLES) : null,
            department: null,
            officeLocation: null,
            mobilePhone: null,
            businessPhones: [],
            preferredLanguage: null,
            accountEnabled: !traits.disabled,
            userType: 'Guest',
            createdDateTime,
            employeeId: null,
            otherMails: [external],
            password,
            isAdmin: false,
        };
    }

    const phone = () =>
        `${culture.phone.country} ${culture.phone.pattern.replace(/#/g, () => String(Math.floor(random() * 10)))}`;
    return {
        id,
        displayName,
        givenName: given[0],
        surname: surname[0],
        userPrincipalName: `${localPart}@${context.userDomain}`,
        mail: traits.noMail ? null : `${localPart}@${context.userDomain}`,
        jobTitle: traits.admin ? 'IT Administrator' : chance(0.9) ? pick(JOB_TITLES) : null,
        department: traits.admin ? 'IT' : chance(0.92) ? pick(DEPARTMENTS) : null,
        officeLocation: chance(0.8) ? pick(culture.offices) : null,
        mobilePhone: chance(0.55) ? phone() : null,
        businessPhones: chance(0.75) ? [phone()] : [],
        preferredLanguage: chance(0.7) ? culture.language : null,
        accountEnabled: !traits.disabled,
        userType: 'Member',
        createdDateTime,
        employeeId: chance(0.85) ? `E${String(100000 + index)}` : null,
        otherMails: chance(0.1) ? [`${given[1]}.${surname[1]}.home@outlook.com`] : [],
        password,
        isAdmin: traits.admin,
    };
}

/** The index encoded in a generated sign-in name, or undefined when the name has no index. */
export function indexFromUserPrincipalName(userPrincipalName: string): number | undefined {
    const at = userPrincipalName.lastIndexOf('@');
    if (at < 0) return undefined;
    let local = userPrincipalName.slice(0, at);
    const ext = local.toUpperCase().lastIndexOf('#EXT#');
    if (ext >= 0) {
        local = local.slice(0, ext);
        local = local.slice(0, local.lastIndexOf('_'));
    }
    const digits = /(\d+)$/.exec(local)?.[1];
    if (digits === undefined || digits.length > 9 || (digits.length > 1 && digits.startsWith('0'))) return undefined;
    return Number(digits);
}

/** A password that satisfies Entra's complexity rules, reproducible from the tenant's keys (or a seed). */
export function passwordFor(keysOrSeed: readonly number[] | string, index: number): string {
    const keys = typeof keysOrSeed === 'string' ? keysFrom(keysOrSeed) : keysOrSeed;
    const bytes = Buffer.alloc(9);
    for (let i = 0; i < 3; i++)
        bytes.writeUIntLE(mix32(mix32(index >>> 0, keys[2] ?? 0) ^ i, keys[3] ?? 0) & 0xffffff, i * 3, 3);
    return `Sim-${bytes.toString('base64url')}-7a`;
}

function culture(key: string): Culture {
    const found = CULTURES.find((c) => c.key === key);
    if (!found) throw new Error(`unknown culture ${key}`);
    return found;
}

function showcase(
    cultureKey: string,
    givenIndex: number,
    surnameIndex: number,
    extra: Partial<Omit<Traits, 'culture' | 'given' | 'surname'>> = {},
): Traits {
    const c = culture(cultureKey);
    return {
        culture: c,
        given: c.given[givenIndex] ?? c.given[0] ?? ['User', 'user'],
        surname: c.surnames[surnameIndex] ?? c.surnames[0] ?? ['Test', 'test'],
        kind: 'member',
        disabled: false,
        noMail: false,
        emoji: false,
        admin: false,
        ...extra,
    };
}

function showcaseTraits(index: number): Traits | undefined {
    switch (index) {
        case 0:
            return showcase('en-US', 2, 1, { admin: true }); // Megan Bowen, the tenant admin
        case 1:
            return showcase('de-DE', 0, 0); // Zoë Müller, an ordinary user
        case 2:
            return showcase('en-US', 5, 3, { kind: 'guest' });
        case 3:
            return showcase('en-US', 6, 4, { disabled: true });
        case 4:
            return showcase('en-US', 7, 5, { noMail: true });
        case 5:
            return showcase('da-DK', 0, 0, { emoji: true });
        case 6:
            return showcase('ar-SA', 0, 0);
        case 7:
            return showcase('he-IL', 0, 0);
        case 8:
            return showcase('zh-CN', 0, 0); // 王芳
        case 9:
            return showcase('ga-IE', 0, 0); // Siobhán O'Brien
        case 10:
            return showcase('vi-VN', 0, 0);
        case 11:
            return showcase('en-US', 0, 0, { kind: 'resource' });
        case 12:
            return showcase('pl-PL', 0, 0); // Łukasz Wójcik
        case 13:
            return showcase('es-ES', 0, 0); // José García Peña
        case 14:
            return showcase('fr-SN', 0, 0); // Aminata N'Diaye
        default:
            return undefined;
    }
}

function randomTraits(
    random: () => number,
    pick: <T>(items: readonly T[]) => T,
    chance: (p: number) => boolean,
): Traits {
    const c = pick(CULTURES);
    const roll = random();
    const kind: Kind = roll < 0.06 ? 'guest' : roll < 0.07 ? 'resource' : 'member';
    return {
        culture: c,
        given: pick(c.given),
        surname: pick(c.surnames),
        kind,
        disabled: chance(0.04),
        noMail: kind === 'member' && chance(0.07),
        emoji: chance(0.03),
        admin: false,
    };
}
