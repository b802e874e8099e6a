import { deletionRecoveryLevel } from '../../../../dev/sim/vault';

describe('Key Vault recoveryLevel (DeletionRecoveryLevel) from the vault settings', () => {
    it('is Recoverable for 90 days of soft delete with purge protection (the deployed vault)', () => {
        expect(deletionRecoveryLevel(90, true)).toBe('Recoverable');
    });

    it('is Customized… for a shorter retention and +Purgeable without purge protection', () => {
        expect(deletionRecoveryLevel(7, true)).toBe('CustomizedRecoverable');
        expect(deletionRecoveryLevel(90, false)).toBe('Recoverable+Purgeable');
        expect(deletionRecoveryLevel(30, false)).toBe('CustomizedRecoverable+Purgeable');
    });
});
