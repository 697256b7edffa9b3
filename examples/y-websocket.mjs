// node examples/y-websocket.mjs <documentId>   (API and TOKEN as in the quickstart)
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

const api = process.env.API ?? 'http://127.0.0.1:3000';
const grant = await fetch(`${api}/v1/documents/${process.argv[2]}/connect-token`, {
  method: 'POST',
  headers: { authorization: `Bearer ${process.env.TOKEN}` },
}).then((r) => r.json());
const doc = new Y.Doc();
const provider = new WebsocketProvider(grant.yjsUrl, grant.documentName, doc, {
  params: { token: grant.token },
});
provider.on('sync', (synced) => {
  if (!synced) return;
  console.log('y-websocket synced:', doc.getXmlFragment('default').toString());
  doc.getText('notes').insert(0, 'hello from y-websocket\n');
  setTimeout(() => process.exit(0), 1000); // y-websocket has no acknowledgement: give it a moment
});
