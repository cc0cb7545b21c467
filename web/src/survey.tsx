import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api';

interface Survey {
  organization: string;
  ticketNumber: number;
  ticketTitle: string;
  answered: boolean;
  rating: number | null;
}

const RATINGS: [number, string][] = [
  [1, 'Very unhappy'],
  [2, 'Unhappy'],
  [3, 'Neutral'],
  [4, 'Happy'],
  [5, 'Very happy'],
];

/** The customer's side: the survey email's link lands here (`/survey#<token>`); one click rates. */
export function SurveyPage() {
  const token = decodeURIComponent(location.hash.slice(1));
  const [survey, setSurvey] = useState<Survey | null>(null);
  const [error, setError] = useState('');
  const [comment, setComment] = useState('');
  const [thanked, setThanked] = useState(false);
  const path = `/csat/${encodeURIComponent(token)}`;
  useEffect(() => {
    if (!token) setError('this link is incomplete; open it from the email again');
    else api<Survey>('GET', path).then(setSurvey, (e) => setError(errorText(e)));
  }, [path]);
  const rate = async (rating: number) => {
    try {
      await api('POST', path, comment.trim() ? { rating, comment } : { rating });
      setThanked(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <main class="survey">
      {survey && <h1>How did {survey.organization} do?</h1>}
      {survey && (
        <p>
          About your request #{survey.ticketNumber}: {survey.ticketTitle}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {thanked || survey?.answered ? (
        <p role="status" class="notice">
          Thank you for your answer.
        </p>
      ) : (
        survey && (
          <>
            <label for="comment">Anything to add? (optional, before you choose)</label>
            <textarea
              id="comment"
              rows={3}
              value={comment}
              onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
            />
            <fieldset class="ratings">
              <legend>Your rating</legend>
              {RATINGS.map(([rating, words]) => (
                <button key={rating} type="button" onClick={() => rate(rating)}>
                  {rating} · {words}
                </button>
              ))}
            </fieldset>
          </>
        )
      )}
    </main>
  );
}
