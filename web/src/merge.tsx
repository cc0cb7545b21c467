import { useState } from 'preact/hooks';
import { api, errorText, type SearchHit, type TicketPage } from './api';

type Candidate = Pick<SearchHit, 'id' | 'ticketNumber' | 'title' | 'status'>;

export interface MergeResult {
  mergedInto: { id: string; ticketNumber: number };
  movedMessages: number;
}

/** "12" or "#12" names a ticket by its number; anything else is searched for. */
async function findCandidates(query: string): Promise<Candidate[]> {
  const number = /^#?(\d{1,9})$/.exec(query);
  if (number) {
    const q = new URLSearchParams({ number: number[1]!, count: 'none', limit: '1' });
    return (await api<TicketPage>('GET', `/tickets?${q}`)).data;
  }
  return (
    await api<{ data: SearchHit[] }>(
      'GET',
      `/tickets/search?${new URLSearchParams({ q: query, limit: '10' })}`,
    )
  ).data;
}

/** Merging this ticket into another (POST /tickets/{id}/merge): find the target, then confirm once. */
export function MergeControl({
  ticket,
  onMerged,
}: {
  ticket: { id: string; ticketNumber: number };
  onMerged: (result: MergeResult) => void;
}) {
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [chosen, setChosen] = useState<Candidate | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const find = async (event: Event) => {
    event.preventDefault();
    if (!query.trim()) return;
    setError('');
    setChosen(null);
    try {
      setCandidates((await findCandidates(query.trim())).filter((c) => c.id !== ticket.id));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const merge = async (target: Candidate) => {
    setBusy(true);
    setError('');
    try {
      const result = await api<MergeResult>('POST', `/tickets/${ticket.id}/merge`, {
        targetTicketId: target.id,
      });
      setCandidates(null);
      setChosen(null);
      setQuery('');
      onMerged(result);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="merge-title">
      <h2 id="merge-title">Merge</h2>
      <form onSubmit={find}>
        <label>
          Merge into (number or words){' '}
          <input value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Find</button>
      </form>
      {candidates?.length === 0 && <p>No other ticket matches.</p>}
      {candidates && candidates.length > 0 && !chosen && (
        <ul class="merge-candidates" aria-label="Tickets to merge into">
          {candidates.map((c) => (
            <li key={c.id}>
              <button type="button" onClick={() => setChosen(c)}>
                Merge into #{c.ticketNumber}
              </button>{' '}
              {c.title} ({c.status})
            </li>
          ))}
        </ul>
      )}
      {chosen && (
        <fieldset class="confirm">
          <legend>Confirm the merge</legend>
          <p>
            Merge #{ticket.ticketNumber} into #{chosen.ticketNumber} {chosen.title}? This ticket closes and
            its conversation and followers move there.
          </p>
          <button type="button" disabled={busy} onClick={() => merge(chosen)}>
            Confirm merge
          </button>{' '}
          <button type="button" onClick={() => setChosen(null)}>
            Cancel
          </button>
        </fieldset>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}
