// node examples/hocuspocus.mjs <documentId>   (API and TOKEN as in the quickstart)
import { HocuspocusProvider } from '@hocuspocus/provider';

const api = process.env.API ?? 'http://127.0.0.1:3000';
const grant = await fetch(`${api}/v1/documents/${process.argv[2]}/connect-token`, {
  method: 'POST',
  headers: { authorization: `Bearer ${process.env.TOKEN}` },
}).then((r) => r.json());
const provider = new HocuspocusProvider({
  url: grant.url,
  name: grant.documentName,
  token: grant.token,
  onSynced() {
    console.log('hocuspocus synced:', provider.document.getText('notes').toString());
    provider.document.getText('notes').insert(0, 'hello from Hocuspocus\n');
  },
  // Folio acknowledges an edit once it is stored in Postgres.
  onUnsyncedChanges({ number }) {
    if (number === 0 && provider.document.getText('notes').length > 0) {
      console.log('stored');
      process.exit(0);
    }
  },
});
