import type { Role } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { PasswordHasher } from './passwords.js';
/** A user as the API returns it. Password hashes and TOTP secrets never leave this module. */
export interface UserView {
    id: string;
    practiceId: string;
    role: Role;
    email: string;
    givenName: string;
    familyName: string;
    createdAt: string;
    disabled: boolean;
    mfaEnrolled: boolean;
}
/** Signed-in caller, for services behind authenticated routes. */
export declare function requireAuth(context: RequestContext): AuthContext;
export interface NewUserInput {
    role: Role;
    email: string;
    password: string;
    givenName: string;
    familyName: string;
}
/** An admin creates a staff member or patient in their own practice. */
export declare function createUser(dataSource: DataSource, passwords: PasswordHasher, context: RequestContext, input: NewUserInput): Promise<UserView>;
/**
 * Public self-registration of a patient at a practice (by slug). The new patient is the
 * actor of their own creation event.
 */
export declare function registerPatient(dataSource: DataSource, passwords: PasswordHasher, context: RequestContext, practiceSlug: string, input: Omit<NewUserInput, 'role'>): Promise<UserView>;
/** The caller's own profile. */
export declare function getMe(dataSource: DataSource, context: RequestContext): Promise<UserView>;
/** One user of the caller's practice (another practice's id is simply not found). */
export declare function getUser(dataSource: DataSource, context: RequestContext, userId: string): Promise<UserView>;
export interface ListUsersInput {
    role?: Role | undefined;
    limit: number;
    offset: number;
}
/** Users of the caller's practice, newest first; the listing itself is audited. */
export declare function listUsers(dataSource: DataSource, context: RequestContext, input: ListUsersInput): Promise<{
    users: UserView[];
}>;
export interface UpdateUserInput {
    role?: Role | undefined;
    disabled?: boolean | undefined;
}
/**
 * Changes a user's role or disables/enables them. Any change ends the user's open
 * sessions. Admins cannot change themselves, so a practice cannot lose its last admin by
 * accident.
 */
export declare function updateUser(dataSource: DataSource, context: RequestContext, userId: string, input: UpdateUserInput): Promise<UserView>;
