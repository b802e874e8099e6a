export { ChangeLog, type ChangedObject, type ChangeEntry, type ChangeKind } from './changeLog';
export { type CreateTenantInput, Directory, MAX_GENERATED_USERS, sizeForUserCount, slug } from './directory';
export { generateUser, indexFromUserPrincipalName, passwordFor } from './generator';
export { ObjectIdCodec } from './objectIds';
export {
    DirectoryConflictError,
    isoSeconds,
    type NewUser,
    type PageOfUsers,
    TenantDirectory,
    type TenantSnapshot,
    type UserEntry,
    UserNotFoundError,
    type UserPatch,
} from './tenantDirectory';
export * from './userModel';
export { DEFAULT_WORLD, type SeededWorld, seedWorld, type TenantSpec, type WorldSpec } from './world';
