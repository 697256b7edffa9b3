import { describe, expect, it } from 'vitest';
import { type Actor, can, type DocumentSubject, grantedDocumentRole } from './policy.js';

const member: Actor = { userId: 'u', role: 'member' };
const doc = (
  documentRole: DocumentSubject['documentRole'],
  workspaceRole: DocumentSubject['workspaceRole'] = null,
) => ({ kind: 'document', documentRole, workspaceRole }) as const;

describe('can', () => {
  it('grants nothing for workspace membership alone', () => {
    expect(can(member, 'document.read', doc(null, 'member'))).toBe(false);
  });

  it('ranks owner > editor > viewer', () => {
    expect(can(member, 'document.write', doc('viewer'))).toBe(false);
    expect(can(member, 'document.read', doc('viewer'))).toBe(true);
    expect(can(member, 'document.write', doc('editor'))).toBe(true);
    expect(can(member, 'document.share', doc('editor'))).toBe(false);
    expect(can(member, 'document.delete', doc('owner'))).toBe(true);
  });

  it('lets workspace admins and instance admins act as owners, but not compliance officers', () => {
    expect(can(member, 'document.delete', doc(null, 'admin'))).toBe(true);
    expect(can({ userId: 'a', role: 'admin' }, 'document.share', doc(null))).toBe(true);
    expect(can({ userId: 'c', role: 'compliance' }, 'document.read', doc(null))).toBe(false);
    expect(can({ userId: 'c', role: 'compliance' }, 'audit.read', { kind: 'instance' })).toBe(true);
    expect(can(member, 'audit.read', { kind: 'instance' })).toBe(false);
  });

  it('narrows by token scopes', () => {
    const readOnly: Actor = { ...member, scopes: ['read'] };
    expect(can(readOnly, 'document.write', doc('owner'))).toBe(false);
    expect(grantedDocumentRole(readOnly, doc('editor'))).toBe('viewer');
    expect(grantedDocumentRole({ ...member, scopes: ['write'] }, doc('editor'))).toBeUndefined();
    expect(
      can({ userId: 'a', role: 'admin', scopes: ['read', 'write'] }, 'gdpr.erase', { kind: 'instance' }),
    ).toBe(false);
  });

  it('lets only workspace admins with the admin scope manage webhooks', () => {
    const ws = (workspaceRole: 'admin' | 'member' | null) => ({ kind: 'workspace', workspaceRole }) as const;
    expect(can(member, 'workspace.integrate', ws('admin'))).toBe(true);
    expect(can(member, 'workspace.integrate', ws('member'))).toBe(false);
    expect(can({ ...member, scopes: ['read', 'write'] }, 'workspace.integrate', ws('admin'))).toBe(false);
    expect(can({ userId: 'a', role: 'admin' }, 'workspace.integrate', ws(null))).toBe(true);
  });
});
