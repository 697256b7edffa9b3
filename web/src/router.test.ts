import { describe, expect, it } from 'vitest';
import { parseRoute } from './router.js';

const at = (path: string) => parseRoute(new URL(path, 'http://127.0.0.1:3000'));

describe('parseRoute', () => {
  it('maps every page of the app, and anything else to not-found', () => {
    expect(at('/app/')).toEqual({ page: 'documents' });
    expect(at('/app/?workspace=w1')).toEqual({ page: 'documents', workspaceId: 'w1' });
    expect(at('/app/sign-in?link=invalid')).toEqual({ page: 'sign-in', linkInvalid: true });
    expect(at('/app/d/doc%201')).toEqual({ page: 'document', id: 'doc 1' });
    expect(at('/app/d/abc/history')).toEqual({ page: 'history', id: 'abc' });
    expect(at('/app/search?q=%22a%20b%22')).toEqual({ page: 'search', q: '"a b"' });
    expect(at('/app/compliance')).toEqual({ page: 'compliance' });
    expect(at('/app/workspaces/w1/webhooks')).toEqual({ page: 'webhooks', workspaceId: 'w1' });
    expect(at('/app/workspaces/w1/members')).toEqual({ page: 'members', workspaceId: 'w1' });
    for (const path of ['/app/d', '/app/d/a/b/c', '/app/workspaces/w1', '/app/nothing']) {
      expect(at(path), path).toEqual({ page: 'not-found' });
    }
  });
});
