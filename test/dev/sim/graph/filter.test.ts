import type { GraphUser } from '../../../../dev/sim/directory';
import { parseFilter } from '../../../../dev/sim/graph/filter';
import { GraphError } from '../../../../dev/sim/graph/responses';

const user = (overrides: Partial<GraphUser>): GraphUser => ({
    id: '00000000-0000-4000-8000-000000000001',
    displayName: 'Zoë Müller',
    givenName: 'Zoë',
    surname: 'Müller',
    userPrincipalName: 'zoe.mueller@fabrikam.com',
    mail: 'zoe.mueller@fabrikam.com',
    jobTitle: 'Engineer',
    department: 'Engineering',
    officeLocation: 'Berlin',
    mobilePhone: null,
    businessPhones: [],
    preferredLanguage: 'de-DE',
    accountEnabled: true,
    userType: 'Member',
    createdDateTime: '2020-05-01T10:00:00Z',
    employeeId: 'E100001',
    otherMails: [],
    ...overrides,
});

const zoe = user({});
const guest = user({
    id: '00000000-0000-4000-8000-000000000002',
    userType: 'Guest',
    mail: null,
    displayName: "Siobhán O'Brien",
});

function matches(filter: string, advanced = false): boolean[] {
    const { predicate } = parseFilter(filter, { advanced });
    return [zoe, guest].map(predicate);
}

function failure(filter: string, advanced = false): { status: number; code: string; message: string } {
    try {
        parseFilter(filter, { advanced });
    } catch (error) {
        if (error instanceof GraphError) return { status: error.status, code: error.code, message: error.message };
        throw error;
    }
    throw new Error(`expected ${filter} to be refused`);
}

describe('$filter on users', () => {
    it.each([
        ["userType eq 'Guest'", [false, true]],
        ["USERTYPE eq 'guest'", [false, true]],
        ["startswith(displayName,'zo')", [true, false]],
        ["displayName eq 'Siobhán O''Brien'", [false, true]],
        ["userType in ('Member', 'Other')", [true, false]],
        ["accountEnabled eq true and userType eq 'Member'", [true, false]],
        ["userType eq 'Guest' or startswith(mail,'zoe')", [true, true]],
        ["(userType eq 'Guest' or userType eq 'Member') and accountEnabled eq true", [true, true]],
        ['createdDateTime ge 2020-01-01T00:00:00Z', [true, true]],
        ["createdDateTime lt '2020-01-01T00:00:00Z'", [false, false]],
    ])('%s', (filter, expected) => {
        expect(matches(filter)).toEqual(expected);
    });

    it('supports ne, not, endswith and null only in advanced mode', () => {
        expect(matches("userType ne 'Guest'", true)).toEqual([true, false]);
        expect(matches('mail eq null', true)).toEqual([false, true]);
        expect(matches("not(userType eq 'Guest')", true)).toEqual([true, false]);
        expect(matches("endswith(userPrincipalName,'@fabrikam.com')", true)).toEqual([true, true]);
        expect(failure("userType ne 'Guest'")).toEqual({
            status: 400,
            code: 'Request_UnsupportedQuery',
            message: "Filter operator 'NotEqualsMatch' is not supported.",
        });
        expect(failure('mail eq null').code).toBe('Request_UnsupportedQuery');
        expect(failure("not(userType eq 'Guest')").code).toBe('Request_UnsupportedQuery');
    });

    it('refuses properties Graph cannot filter on, and unknown properties', () => {
        expect(failure("officeLocation eq 'Berlin'")).toEqual({
            status: 400,
            code: 'Request_UnsupportedQuery',
            message:
                "Unsupported or invalid query filter clause specified for property 'officeLocation' of resource 'User'.",
        });
        expect(matches("officeLocation eq 'berlin'", true)).toEqual([true, true]);
        expect(failure("startswith(userType,'G')").code).toBe('Request_UnsupportedQuery');
        expect(failure("shoeSize eq '42'")).toEqual({
            status: 400,
            code: 'BadRequest',
            message: "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
        });
    });

    it.each(["displayName eq 'unterminated", 'displayName eq', "displayName xx 'a'", "(userType eq 'Guest'", '$$$'])(
        'refuses malformed %s with 400 BadRequest',
        (filter) => {
            const refused = failure(filter);
            expect(refused.status).toBe(400);
            expect(refused.code).toBe('BadRequest');
            expect(refused.message).toMatch(/^Invalid filter clause/);
        },
    );

    it('for delta, allows only id equality joined by or, up to 50 ids', () => {
        const ids = parseFilter(`id eq '${zoe.id}' or id eq '${guest.id}'`, {
            advanced: false,
            deltaIdsOnly: true,
        }).ids;
        expect(ids).toEqual([zoe.id, guest.id]);
        expect(() => parseFilter("userType eq 'Guest'", { advanced: false, deltaIdsOnly: true })).toThrow(
            /only \$filter=id eq/,
        );
        const many = Array.from({ length: 51 }, (_, i) => `id eq '${i}'`).join(' or ');
        expect(() => parseFilter(many, { advanced: false, deltaIdsOnly: true })).toThrow(/at most 50/);
    });
});
