import { redactQuery, RequestLog, type RequestLogEntry } from '../../../../dev/sim/core/requestLog';

function entry(path: string): Omit<RequestLogEntry, 'seq'> {
    return {
        time: new Date(0).toISOString(),
        service: 'graph',
        method: 'GET',
        path,
        query: '',
        tenant: undefined,
        status: 200,
        durationMs: 1,
        earlyRetry: false,
        faulted: false,
        clientRequestId: undefined,
    };
}

describe('RequestLog', () => {
    it('numbers entries monotonically and returns those after a sequence number', () => {
        const log = new RequestLog();
        expect(log.lastSeq).toBe(0);
        const a = log.add(entry('/a'));
        const b = log.add(entry('/b'));
        log.add(entry('/c'));
        expect([a.seq, b.seq, log.lastSeq]).toEqual([1, 2, 3]);
        expect(log.since(1).map((e) => e.path)).toEqual(['/b', '/c']);
        expect(log.since(3)).toEqual([]);
        expect(log.since(0)).toHaveLength(3);
    });

    it('keeps only the newest entries beyond its capacity, without reusing numbers', () => {
        const log = new RequestLog(2);
        for (const p of ['/1', '/2', '/3']) log.add(entry(p));
        expect(log.since(0).map((e) => [e.seq, e.path])).toEqual([
            [2, '/2'],
            [3, '/3'],
        ]);
    });
});

describe('redactQuery', () => {
    it('redacts secrets, codes and passwords but keeps the rest', () => {
        const query = redactQuery(new URLSearchParams('client_secret=s3cret&Code=abc&scope=x&password=p'));
        expect(query).toContain('client_secret=REDACTED');
        expect(query).toContain('Code=REDACTED');
        expect(query).toContain('password=REDACTED');
        expect(query).toContain('scope=x');
        expect(query).not.toContain('s3cret');
        expect(redactQuery(new URLSearchParams(''))).toBe('');
    });

    it('redacts the id token sent to logout but keeps where the browser returns to', () => {
        const idToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
        const query = redactQuery(
            new URLSearchParams({
                id_token_hint: idToken,
                post_logout_redirect_uri: 'http://localhost:7071/signed-out',
                state: 's1',
            }),
        );
        expect(query).not.toContain('eyJ');
        expect(new URLSearchParams(query.slice(1)).get('id_token_hint')).toBe('REDACTED');
        expect(new URLSearchParams(query.slice(1)).get('post_logout_redirect_uri')).toBe(
            'http://localhost:7071/signed-out',
        );
        expect(new URLSearchParams(query.slice(1)).get('state')).toBe('s1');
        expect(redactQuery(new URLSearchParams({ ID_Token_Hint: idToken }))).toBe('?ID_Token_Hint=REDACTED');
    });
});
