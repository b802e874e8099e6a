import { SimClock } from '../../dev/sim/core/clock';
import { IdFactory } from '../../dev/sim/core/ids';
import { DEFAULT_WORLD, Directory, type NewUser, seedWorld } from '../../dev/sim/directory';

/** The simulator's directory model, seeded like the default world but with one customer: Fabrikam with `userCount` users. */
export function fabrikamDirectory(seed: string, userCount: number) {
    const ids = new IdFactory(seed);
    const clock = new SimClock();
    const directory = new Directory(ids, clock, seed);
    const seeded = seedWorld(directory, ids, {
        ...DEFAULT_WORLD,
        customers: [{ displayName: 'Fabrikam', userCount, customDomain: 'fabrikam.com', region: 'EU' }],
    });
    const [fabrikam] = seeded.customers;
    if (fabrikam === undefined) throw new Error('the seeded world has no customer');
    return { ids, clock, directory, seeded, fabrikam };
}

/** A user to add to the simulator's directory: Ada Lovelace, an ordinary Fabrikam member, changed by `overrides`. */
export function newUser(overrides: Partial<NewUser> = {}): NewUser {
    return {
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        surname: 'Lovelace',
        userPrincipalName: 'ada@fabrikam.com',
        mail: 'ada@fabrikam.com',
        jobTitle: null,
        department: null,
        officeLocation: null,
        mobilePhone: null,
        businessPhones: [],
        preferredLanguage: 'en-GB',
        accountEnabled: true,
        userType: 'Member',
        employeeId: null,
        otherMails: [],
        password: 'Passw0rd!x',
        isAdmin: false,
        ...overrides,
    };
}
