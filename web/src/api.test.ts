import { describe, expect, it } from 'vitest';
import { describeProblem, query } from './api.js';

describe('describeProblem', () => {
  it('says what a problem+json body says, as a sentence', () => {
    expect(describeProblem(404, { title: 'Not Found', detail: 'document not found' })).toBe(
      'Document not found',
    );
    expect(describeProblem(400, { title: 'Bad Request' })).toBe('Bad Request');
    expect(describeProblem(502, undefined)).toBe('The server answered 502.');
    expect(describeProblem(401, { detail: 'sign in at /auth/login' })).toBe(
      'Your session has ended. Sign in again.',
    );
    expect(describeProblem(429, { detail: 'retry in 12 s' })).toBe('Too many requests: retry in 12 s.');
  });
});

describe('query', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(query({ q: 'a&b', limit: 10, cursor: undefined, workspaceId: '' })).toBe('?q=a%26b&limit=10');
    expect(query({})).toBe('');
  });
});
