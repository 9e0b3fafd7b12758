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
