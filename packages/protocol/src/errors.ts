import { Type, type Static } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'snake_case, from a closed catalogue' }),
      message: Type.String({ description: 'for humans' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { title: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;
