import {
    compareRouteTemplates,
    matchRouteTemplate,
    parseRouteTemplate,
} from '../../../../dev/host/routing/routeTemplate';

function match(template: string, path: string): Record<string, string> | undefined {
    return matchRouteTemplate(parseRouteTemplate(template), path);
}

describe('route template matching', () => {
    describe('literal segments', () => {
        it('matches exactly, case-insensitively, ignoring one trailing slash', () => {
            expect(match('api/health', '/api/health')).toEqual({});
            expect(match('api/health', '/API/Health')).toEqual({});
            expect(match('api/health', '/api/health/')).toEqual({});
        });

        it('rejects extra, missing or different segments', () => {
            expect(match('api/health', '/api/health/x')).toBeUndefined();
            expect(match('api/health', '/api')).toBeUndefined();
            expect(match('api/health', '/api/healthz')).toBeUndefined();
            expect(match('api/health', '/api//health')).toBeUndefined();
        });

        it('treats the empty template as the root path and ignores a leading slash or ~/', () => {
            expect(match('', '/')).toEqual({});
            expect(match('', '/x')).toBeUndefined();
            expect(match('/api/x', '/api/x')).toEqual({});
            expect(match('~/api/x', '/api/x')).toEqual({});
        });

        it('unescapes doubled braces in literals', () => {
            expect(match('a{{b}}', '/a%7Bb%7D')).toEqual({});
        });
    });

    describe('parameters', () => {
        it('captures percent-decoded values under the name as written', () => {
            expect(match('users/{userId}/groups/{groupId}', '/users/a%20b/groups/7')).toEqual({
                userId: 'a b',
                groupId: '7',
            });
        });

        it('requires a non-empty value for a required parameter', () => {
            expect(match('users/{id}', '/users')).toBeUndefined();
            expect(match('users/{id}', '/users/')).toBeUndefined();
        });

        it('omits a missing optional parameter and accepts a present one', () => {
            expect(match('items/{id?}', '/items')).toEqual({});
            expect(match('items/{id?}', '/items/3')).toEqual({ id: '3' });
            expect(match('items/{id?}', '/items/3/4')).toBeUndefined();
        });

        it('uses the default value when the segment is missing', () => {
            expect(match('page/{n=5}', '/page')).toEqual({ n: '5' });
            expect(match('page/{n:int=5}', '/page/9')).toEqual({ n: '9' });
        });

        it('does not treat an optional parameter before a literal as optional', () => {
            expect(match('a/{x?}/b', '/a/1/b')).toEqual({ x: '1' });
            expect(match('a/{x?}/b', '/a/b')).toBeUndefined();
        });

        it('does not match malformed percent-encoding', () => {
            expect(match('files/{name}', '/files/%E0%A4%A')).toBeUndefined();
        });
    });

    describe('catch-all', () => {
        it('takes the rest of the path including slashes', () => {
            expect(match('static/{*rest}', '/static/css/site.css')).toEqual({ rest: 'css/site.css' });
            expect(match('static/{**rest}', '/static/a/b')).toEqual({ rest: 'a/b' });
        });

        it('matches an empty rest without a value, or with its default', () => {
            expect(match('static/{*rest}', '/static')).toEqual({});
            expect(match('static/{*rest=index.html}', '/static')).toEqual({ rest: 'index.html' });
        });

        it('applies constraints to the whole rest', () => {
            expect(match('v/{*rest:maxlength(3)}', '/v/a/b')).toEqual({ rest: 'a/b' });
            expect(match('v/{*rest:maxlength(3)}', '/v/a/bc')).toBeUndefined();
        });
    });

    describe('complex segments', () => {
        it('splits like ASP.NET, right to left', () => {
            expect(match('files/{name}.{ext}', '/files/report.final.pdf')).toEqual({
                name: 'report.final',
                ext: 'pdf',
            });
            expect(match('files/{name}.{ext}', '/files/report')).toBeUndefined();
            expect(match('v{major}-{minor}', '/V1-2')).toEqual({ major: '1', minor: '2' });
        });
    });

    describe('constraints', () => {
        const cases: [string, string[], string[]][] = [
            ['int', ['0', '-12', '+7', '2147483647'], ['2147483648', '1.5', 'abc', '0x1']],
            ['long', ['9223372036854775807', '-9223372036854775808'], ['9223372036854775808', '1e3']],
            ['bool', ['true', 'FALSE'], ['yes', '1']],
            [
                'guid',
                [
                    '0f8fad5b-d9cb-469f-a165-70867728950e',
                    '0F8FAD5BD9CB469FA16570867728950E',
                    '{0f8fad5b-d9cb-469f-a165-70867728950e}',
                    '(0f8fad5b-d9cb-469f-a165-70867728950e)',
                ],
                ['0f8fad5b-d9cb-469f-a165-70867728950', 'not-a-guid', '0f8fad5b-d9cb-469f-a165-70867728950ez'],
            ],
            ['alpha', ['abc', 'ABC'], ['ab1', 'a-b']],
            [
                'datetime',
                ['2024-02-29', '2024-01-31T10:20:30Z', '2024-01-31T10:20:30.123+02:00'],
                ['2023-02-29', 'yesterday'],
            ],
            ['decimal', ['1', '-1.5', '1,000.25', '.5'], ['1e3', 'abc', '1.2.3']],
            ['double', ['1e3', '-1.5E-2', 'NaN', 'Infinity'], ['abc', '1e']],
            ['float', ['3.14', '2e10'], ['pi']],
            ['length(3)', ['abc'], ['ab', 'abcd']],
            ['length(2,4)', ['ab', 'abcd'], ['a', 'abcde']],
            ['minlength(2)', ['ab', 'abc'], ['a']],
            ['maxlength(2)', ['a', 'ab'], ['abc']],
            ['min(10)', ['10', '11'], ['9', 'ten']],
            ['max(10)', ['10', '-3'], ['11', 'ten']],
            ['range(1,3)', ['1', '3'], ['0', '4', 'two']],
            ['regex(^\\d{{3}}-\\d{{4}}$)', ['555-1234'], ['5551234', '555-12345']],
            ['regex(^[a-z]+$)', ['ABC'], ['a1']],
        ];
        it.each(cases)('%s accepts %j and rejects %j', (constraint, good, bad) => {
            const route = parseRouteTemplate(`x/{value:${constraint}}`);
            for (const value of good)
                expect(matchRouteTemplate(route, `/x/${encodeURIComponent(value)}`)).toEqual({ value });
            for (const value of bad)
                expect(matchRouteTemplate(route, `/x/${encodeURIComponent(value)}`)).toBeUndefined();
        });

        it('chains constraints: every one must hold', () => {
            expect(match('p/{n:int:min(1):max(5)}', '/p/3')).toEqual({ n: '3' });
            expect(match('p/{n:int:min(1):max(5)}', '/p/0')).toBeUndefined();
            expect(match('p/{n:int:min(1):max(5)}', '/p/6')).toBeUndefined();
        });

        it('skips constraints of a missing optional parameter, so {x:maxlength(0)?} means "absent"', () => {
            expect(match('health/{x:maxlength(0)?}', '/health')).toEqual({});
            expect(match('health/{x:maxlength(0)?}', '/health/a')).toBeUndefined();
        });

        it('reads a regex containing parentheses, colons and an optional marker', () => {
            expect(match('t/{v:regex(^(a|b)-c:d$)}', '/t/a-c:d')).toEqual({ v: 'a-c:d' });
            expect(match('t/{v:regex(^(a|b)$):length(1)?}', '/t')).toEqual({});
            expect(match('t/{v:regex(^(a|b)$):length(1)?}', '/t/b')).toEqual({ v: 'b' });
        });

        it('treats constraint names case-insensitively', () => {
            expect(match('x/{id:GUID}', '/x/0f8fad5b-d9cb-469f-a165-70867728950e')).toBeDefined();
        });
    });
});

describe('route template errors', () => {
    it.each([
        ['a//b', 'cannot appear twice'],
        ['a/', 'cannot appear twice'],
        ['{a', 'incomplete parameter'],
        ['a}', 'incomplete parameter'],
        ['{}', 'parameter name "" is invalid'],
        ['{a/b}', 'is invalid'],
        ['{a}{b}', 'two consecutive parameters'],
        ['{a}/{A}', 'appears more than once'],
        ['{*rest}/x', 'must be alone in the last segment'],
        ['x{*rest}', 'must be alone in the last segment'],
        ['{*rest?}', 'cannot be marked optional'],
        ['{a=1?}', 'cannot have a default value'],
        ['{a:nope}', 'Unknown route constraint "nope"'],
        ['{a:length}', 'takes 2 argument(s), got 0'],
        ['{a:min(x)}', 'needs integer arguments'],
        ['{a:int(1)}', 'takes no arguments'],
        ['{a:regex([)}', 'not a valid regular expression'],
        ['{a:regex(x}', 'unclosed "("'],
        // As in ASP.NET, a ")" followed by ":" ends the constraint, so this regex is cut after "(a|b".
        ['{a:regex(^(a|b):c$)}', 'not a valid regular expression'],
        ['a?b', 'cannot contain "?"'],
        ['{a}.{b?}', 'not supported by the local host'],
    ])('%s is rejected (%s)', (template, message) => {
        expect(() => parseRouteTemplate(template)).toThrow(message);
    });
});

describe('route precedence', () => {
    it('orders literal, constrained, plain, then catch-all segments', () => {
        const templates = ['api/{*rest}', 'api/{id}', 'api/{id:int}', 'api/items', 'api/{**all:minlength(1)}'];
        const sorted = templates.map(parseRouteTemplate).sort(compareRouteTemplates);
        expect(sorted.map((t) => t.template)).toEqual([
            'api/items',
            'api/{id:int}',
            'api/{id}',
            'api/{**all:minlength(1)}',
            'api/{*rest}',
        ]);
    });

    it('compares segment by segment from the left, shorter first when one is a prefix of the other', () => {
        const sorted = ['{a}/b', 'a/{b}', 'a', 'a/b/c'].map(parseRouteTemplate).sort(compareRouteTemplates);
        expect(sorted.map((t) => t.template)).toEqual(['a', 'a/b/c', 'a/{b}', '{a}/b']);
    });
});
