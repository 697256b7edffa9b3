/**
 * Test support: fast-check arbitraries for every operation of the API's own OpenAPI
 * document (GET /openapi.json), so fuzzing follows the schemas the routes validate
 * with. Each request is either schema-shaped (to get past validation into the
 * handlers) or hostile (wrong types, huge or odd strings, random JSON, broken bodies).
 * Not used in production.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  parameters?: { name: string; in: 'path' | 'query' | 'header' | 'cookie'; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface FuzzRequest {
  method: string;
  path: string;
  /** Undefined: no body. A string is sent as is (possibly not JSON). */
  body: string | undefined;
  contentType: string | undefined;
}

/** Strings that have broken parsers before: control characters, surrogates, huge. */
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    "' or 1=1 --",
    '%00',
    '<script>',
    'x'.repeat(70_000),
    '\u202e',
    '1e309',
    '-0',
    'null',
    '__proto__',
  ),
);

const anyJson = fc.jsonValue({ maxDepth: 4 });

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const target = document.components?.schemas?.[ref.slice('#/components/schemas/'.length)];
    if (target) return resolve(document, target);
  }
  return schema;
}

/** A value shaped by a JSON Schema (subset used by zod's OpenAPI output), sometimes off by a little. */
export function schemaArbitrary(document: OpenApiDocument, raw: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  if (depth > 6) return anyJson;
  const variants = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as Schema[] | undefined;
  if (variants && variants.length > 0) {
    return fc.oneof(...variants.map((v) => schemaArbitrary(document, v, depth + 1)));
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.oneof(fc.constantFrom(...schema.enum), oddString);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : 60;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const shaped =
        schema.format === 'email'
          ? fc.emailAddress()
          : schema.format === 'uuid'
            ? fc.uuid()
            : schema.format === 'date-time'
              ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
              : schema.format === 'uri'
                ? fc.webUrl()
                : fc.string({ minLength: min, maxLength: Math.min(max, 200) });
      return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 1, arbitrary: oddString });
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      return fc.oneof(
        { weight: 4, arbitrary: type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(-1, 0, 2 ** 53, 1e308, -(2 ** 31), 0.5) },
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      return fc.array(schemaArbitrary(document, items, depth + 1), {
        maxLength: Math.min(typeof schema.maxItems === 'number' ? schema.maxItems + 1 : 5, 20),
      });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) {
        record[key] = schemaArbitrary(document, value, depth + 1);
      }
      // Optional keys come and go; hostile bodies elsewhere drop required ones.
      return fc.record(record, { requiredKeys: [...required].filter((key) => key in record) });
    }
    default:
      return anyJson;
  }
}

/** Every operation of the document with its method and path template. */
export function operations(document: OpenApiDocument) {
  const list: { method: string; template: string; operation: Operation }[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) {
        list.push({ method: method.toUpperCase(), template, operation });
      }
    }
  }
  return list;
}

/**
 * Requests for every operation: path parameters from `ids` (real rows, so handlers run)
 * or odd strings, query parameters and bodies from the schemas or hostile.
 */
export function requestArbitrary(document: OpenApiDocument, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const pathValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: oddString },
  );
  const perOperation = operations(document).map(({ method, template, operation }) => {
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
    const jsonSchema = operation.requestBody?.content?.['application/json']?.schema;
    const body: fc.Arbitrary<{ body: string | undefined; contentType: string | undefined }> = jsonSchema
      ? fc.oneof(
          { weight: 5, arbitrary: schemaArbitrary(document, jsonSchema).map((v) => json(v)) },
          { weight: 1, arbitrary: anyJson.map((v) => json(v)) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('{', '[1,', '"', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}', 'null')
              .map((b) => ({ body: b, contentType: 'application/json' })),
          },
          { weight: 1, arbitrary: oddString.map((b) => ({ body: b, contentType: 'text/plain' })) },
        )
      : fc.constant({ body: undefined, contentType: undefined });
    return fc
      .record({
        params: fc.tuple(...names.map(() => pathValue)),
        query: fc.tuple(
          ...query.map((p) =>
            fc.option(schemaArbitrary(document, p.schema ?? { type: 'string' }), { nil: undefined }),
          ),
        ),
        body,
      })
      .map(({ params, query: values, body: b }): FuzzRequest => {
        let path = template;
        names.forEach((name, i) => {
          path = path.replace(`{${name}}`, encodeURIComponent(String(params[i]).toWellFormed()));
        });
        const search = new URLSearchParams();
        query.forEach((p, i) => {
          const value = values[i];
          if (value !== undefined)
            search.set(p.name, typeof value === 'string' ? value : JSON.stringify(value));
        });
        const qs = search.toString();
        return { method, path: qs ? `${path}?${qs}` : path, body: b.body, contentType: b.contentType };
      });
  });
  return fc.oneof(...perOperation);
}

const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
