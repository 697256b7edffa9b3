import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';
import { problem } from './problem.js';

/**
 * Every router validates with the same hook: a failure becomes problem+json naming the
 * first offending field (`title`, `body.content.text`, `query.limit`, …).
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue?.path.join('.') ?? '';
        const field =
          issue?.code === 'unrecognized_keys' && issue.keys.length > 0
            ? [path, issue.keys[0]].filter(Boolean).join('.')
            : path || (result.target === 'json' ? 'body' : result.target);
        // Zod reports an absent field as a type mismatch against undefined.
        const absent = issue?.code === 'invalid_type' && / received undefined$/.test(issue.message);
        const message = absent ? 'is required' : issue?.message;
        return problem(c, 400, issue ? `${field}: ${message}` : 'invalid request', field ? { field } : {});
      }
    },
  });
}
