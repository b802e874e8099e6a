import {
    ConfigurationError,
    ensureError,
    ErrorCategory,
    InvalidMessageError,
    InvalidRequestError,
    isTenantSyncError,
} from '../../../src/errors';

describe('error hierarchy', () => {
    it('gives each error a stable code and the category of who can fix it', () => {
        const config = new ConfigurationError([{ variable: 'X', problem: 'is required but not set' }]);
        expect([config.code, config.category, config.retryable]).toEqual([
            'config_invalid',
            ErrorCategory.configuration,
            false,
        ]);
        const message = new InvalidMessageError('bad', { correlationId: 'c-1' });
        expect([message.code, message.category, message.correlationId, message.name]).toEqual([
            'invalid_message',
            'bad-input',
            'c-1',
            'InvalidMessageError',
        ]);
        const request = new InvalidRequestError('bad request');
        expect([request.code, request.category]).toEqual(['invalid_request', 'bad-input']);
        expect(isTenantSyncError(request)).toBe(true);
        expect(isTenantSyncError(new Error('x'))).toBe(false);
    });

    it('keeps the cause', () => {
        const cause = new Error('root');
        expect(new InvalidMessageError('wrapped', { cause }).cause).toBe(cause);
    });

    it.each([
        ['an Error', new RangeError('r'), 'r'],
        ['a string', 'boom', 'boom'],
        ['null', null, 'Non-error value thrown: null'],
        ['an object', { a: 1 }, 'Non-error value thrown: {"a":1}'],
        ['undefined', undefined, 'Non-error value thrown: undefined'],
    ])('ensureError normalises %s', (_label, value, message) => {
        const error = ensureError(value);
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toBe(message);
    });

    it('ensureError survives values JSON cannot encode', () => {
        const cyclic: { self?: unknown } = {};
        cyclic.self = cyclic;
        expect(ensureError(cyclic).message).toBe('Non-error value thrown: [object Object]');
        expect(ensureError(10n).message).toBe('Non-error value thrown: 10');
    });
});
