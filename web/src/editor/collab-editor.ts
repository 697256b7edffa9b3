import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import StarterKit from '@tiptap/starter-kit';
import type { Me } from '../api.js';
import { type CollabSession, type CollabSessionEvents, openCollabSession } from './collab-session.js';

/**
 * Tiptap 3 (StarterKit + Collaboration + collaboration carets) on a collaboration
 * session. Loaded on demand: the editor and Yjs are most of the app's weight.
 */

const CARET_COLOURS = [
  '#b4005a',
  '#0b6e4f',
  '#8a4b00',
  '#1d4ed8',
  '#6d28d9',
  '#9f1239',
  '#0f766e',
  '#a16207',
];

/** A colour per user id, stable across sessions so people recognise each other. */
export function colourFor(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return CARET_COLOURS[Math.abs(hash) % CARET_COLOURS.length] as string;
}

export interface MountedEditor {
  editor: Editor;
  session: CollabSession;
  destroy(): void;
}

export async function mountCollabEditor(
  element: HTMLElement,
  documentId: string,
  me: Me,
  events: CollabSessionEvents & { label: string },
): Promise<MountedEditor> {
  let editor: Editor | undefined;
  const session = await openCollabSession(documentId, {
    onRole(role) {
      editor?.setEditable(role !== 'viewer');
      events.onRole(role);
    },
    onEnded(message) {
      editor?.destroy();
      editor = undefined;
      events.onEnded(message);
    },
  });
  // The server stamps every awareness state with the user's id and name from the token;
  // what is set here only shows locally until the server's copy comes back.
  const user = { name: me.name || me.email || 'You', color: colourFor(me.id) };
  editor = new Editor({
    element,
    editable: session.role !== 'viewer',
    extensions: [
      // Yjs keeps the history: the Collaboration extension brings its own undo.
      StarterKit.configure({ undoRedo: false }),
      Collaboration.configure({ document: session.doc, field: 'default' }),
      CollaborationCaret.configure({
        provider: session.provider,
        user,
        // Built with the CSSOM (style properties), which the app's CSP allows.
        render: (who) => {
          const caret = document.createElement('span');
          caret.className = 'caret';
          caret.style.borderColor = String(who.color ?? '#444');
          const label = document.createElement('span');
          label.className = 'caret-label';
          label.style.backgroundColor = String(who.color ?? '#444');
          label.textContent = String(who.agent ? `${who.name} (${who.agent})` : (who.name ?? 'Someone'));
          caret.append(label);
          return caret;
        },
      }),
    ],
    editorProps: {
      attributes: {
        'aria-label': events.label,
        'aria-multiline': 'true',
        role: 'textbox',
        class: 'prose',
      },
    },
  });
  return {
    editor,
    session,
    destroy() {
      editor?.destroy();
      session.destroy();
    },
  };
}
