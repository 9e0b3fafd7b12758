import { Type, type Static } from '@sinclair/typebox';

export const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('member'),
  Type.Literal('guest'),
]);
export type Role = Static<typeof Role>;

export const User = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    display_name: Type.String(),
    role: Role,
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'User' },
);
export type User = Static<typeof User>;

/** 3–32 chars of [a-z0-9_.-] after lowercasing (input is case-insensitive). */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const Username = Type.String({ minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN });
export const Password = Type.String({ minLength: 8, maxLength: 256 });
export const DisplayName = Type.String({ minLength: 1, maxLength: 64 });

export const AuthResult = Type.Object(
  {
    user: User,
    access_token: Type.String(),
    refresh_token: Type.String(),
    expires_in: Type.Integer({ description: 'access token lifetime, seconds' }),
    csrf_token: Type.Optional(
      Type.String({
        description:
          'only when a session cookie was set: send it back in X-CSRF-Token on unsafe cookie-authenticated requests (also readable from the parley_csrf cookie)',
      }),
    ),
  },
  { title: 'AuthResult' },
);
export type AuthResult = Static<typeof AuthResult>;

export const ApiToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'ApiToken' },
);
export type ApiToken = Static<typeof ApiToken>;

export const CreatedApiToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    token: Type.String({ description: 'shown once' }),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'CreatedApiToken' },
);
export type CreatedApiToken = Static<typeof CreatedApiToken>;

/** Asks login/register/guest to also set the httpOnly session cookie (browsers). */
const CookieFlag = Type.Optional(
  Type.Boolean({ description: 'also set the httpOnly session cookie (browsers); default false' }),
);

export const RegisterBody = Type.Object({
  username: Username,
  password: Password,
  display_name: Type.Optional(DisplayName),
  cookie: CookieFlag,
});
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({
  username: Username,
  // No minimum beyond 1 on login: the policy may change after a password was set.
  password: Type.String({ minLength: 1, maxLength: 256 }),
  cookie: CookieFlag,
});
export type LoginBody = Static<typeof LoginBody>;

export const GuestBody = Type.Object({ display_name: DisplayName, cookie: CookieFlag });
export type GuestBody = Static<typeof GuestBody>;

export const RefreshBody = Type.Object({
  refresh_token: Type.String({ minLength: 1, maxLength: 512 }),
});
export type RefreshBody = Static<typeof RefreshBody>;

export const LogoutBody = Type.Object({
  refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});
export type LogoutBody = Static<typeof LogoutBody>;

export const UpdateMeBody = Type.Object({
  display_name: Type.Optional(DisplayName),
  password: Type.Optional(Password),
  current_password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});
export type UpdateMeBody = Static<typeof UpdateMeBody>;

export const CreateApiTokenBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
});
export type CreateApiTokenBody = Static<typeof CreateApiTokenBody>;

export const ApiTokenList = Type.Object({ tokens: Type.Array(ApiToken) });
export const UserList = Type.Object({ users: Type.Array(User) });

export const Session = Type.Object(
  {
    id: Type.String(),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
    current: Type.Boolean({ description: 'the session making this request' }),
  },
  { title: 'Session' },
);
export type Session = Static<typeof Session>;
export const SessionList = Type.Object({ sessions: Type.Array(Session) });
