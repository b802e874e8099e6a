/**
 * Last line of defence for "no secret is ever logged": masks credential-shaped text in every host log
 * line, whoever wrote it (the host, the library or the app). The host itself never logs setting values.
 */
const PATTERNS: [RegExp, string][] = [
    // Connection-string and form fields: AccountKey=..., SharedAccessSignature=..., client_secret=...
    [
        /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|pwd|client_secret|ClientSecret)=[^;&\s"']+/gi,
        '$1=[hidden]',
    ],
    // SAS signatures and function keys in URLs.
    [/([?&](?:sig|code)=)[^&\s"']+/gi, '$1[hidden]'],
    [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/g, 'Bearer [hidden]'],
    // Compact JWTs (id/access tokens, signed session cookies).
    [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[hidden token]'],
];

export function redactSecrets(text: string): string {
    return PATTERNS.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
}
