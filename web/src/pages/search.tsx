import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { href, navigate } from '../router.js';
import { ErrorMessage } from '../ui/feedback.js';

interface Hit {
  documentId: string;
  title: string;
  snippet: string;
  rank: number;
}

/**
 * The API's snippet is HTML-escaped document text with matches in <mark>…</mark>; it is
 * rebuilt here as text and <mark> elements, never parsed as HTML, so nothing in a
 * document can become markup.
 */
export function Snippet({ html }: { html: string }) {
  const parts = html.split(/(<mark>|<\/mark>)/);
  const out: (string | preact.JSX.Element)[] = [];
  let marked = false;
  parts.forEach((part, i) => {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) {
      const text = unescapeHtml(part);
      out.push(marked ? <mark key={i}>{text}</mark> : text);
    }
  });
  return <>{out}</>;
}

const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : "'",
  );

export function SearchPage({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const [hits, setHits] = useState<Hit[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    setText(q);
    if (!q.trim()) {
      setHits(undefined);
      return;
    }
    setError(undefined);
    api<{ items: Hit[] }>('GET', `/v1/search${query({ q, limit: 20 })}`).then(
      (r) => setHits(r.items),
      setError,
    );
  }, [q]);
  return (
    <section>
      <h1>Search</h1>
      <search>
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(`/search${query({ q: text.trim() })}`);
          }}
        >
          <label>
            Search your documents{' '}
            <input
              type="search"
              value={text}
              maxLength={256}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit">Search</button>
        </form>
      </search>
      <p class="hint">Quotes for phrases, “or” for either word, a minus to leave a word out.</p>
      <ErrorMessage error={error} />
      {hits && (
        <>
          <p role="status">{hits.length === 0 ? 'Nothing found.' : `${hits.length} found.`}</p>
          <ol class="results">
            {hits.map((hit) => (
              <li key={hit.documentId}>
                <a href={href(`/d/${encodeURIComponent(hit.documentId)}`)}>{hit.title}</a>
                <p class="snippet">
                  <Snippet html={hit.snippet} />
                </p>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
