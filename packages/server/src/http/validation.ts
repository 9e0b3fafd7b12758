/**
 * Two Ajv instances behind Fastify's validator compiler. Bodies are validated strictly: no type
 * coercion, so `{"username": 123}` is a 400 rather than the string "123". Query strings, params
 * and headers are text on the wire, so there numbers and booleans are coerced from their text.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats ships CommonJS with a default export; under NodeNext its type is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  strict: false, // TypeBox adds keywords (e.g. `kind`) that strict mode would reject
};

const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
