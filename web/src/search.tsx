import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type SearchHit } from './api';
import { snippetParts } from './highlight';
import { useKeys } from './hooks';
import { navigate } from './router';

/** Subject and body search, best first, the matching words highlighted. */
export function SearchPage({ q }: { q: string }) {
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState(0);
  useEffect(() => {
    setHits(null);
    setSelected(0);
    api<{ data: SearchHit[] }>('GET', `/tickets/search?${new URLSearchParams({ q, limit: '50' })}`).then(
      (r) => setHits(r.data),
      (e) => setError(errorText(e)),
    );
  }, [q]);
  const count = hits?.length ?? 0;
  useKeys(
    {
      j: () => setSelected((i) => Math.min(i + 1, Math.max(count - 1, 0))),
      k: () => setSelected((i) => Math.max(i - 1, 0)),
      Enter: () => hits?.[selected] && navigate(`/t/${hits[selected]!.id}`),
    },
    [hits, selected, count],
  );
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search: {q}</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {hits === null && !error && <p class="loading">Searching…</p>}
      {hits?.length === 0 && <p class="empty">Nothing matches.</p>}
      <ol class="search-results">
        {hits?.map((hit, index) => (
          <li
            key={hit.id}
            class={index === selected ? 'selected' : ''}
            aria-current={index === selected ? 'true' : undefined}
          >
            <a
              href={`/t/${hit.id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/t/${hit.id}`);
              }}
            >
              #{hit.ticketNumber} {hit.title}
            </a>{' '}
            <span class="status">{hit.status}</span>
            <p class="snippet">
              {snippetParts(hit.snippet).map((part, i) =>
                part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
              )}
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
