import type { ComponentProps } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// The app's own paths (/inbox, /t/<id>, /search) never collide with the API's: the server answers a
// browser navigating to any of them with the page.
const listeners = new Set<() => void>();

export function navigate(to: string) {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export function useLocation(): URL {
  const [, setTick] = useState(0);
  useEffect(() => {
    const changed = () => setTick((n) => n + 1);
    listeners.add(changed);
    window.addEventListener('popstate', changed);
    return () => {
      listeners.delete(changed);
      window.removeEventListener('popstate', changed);
    };
  }, []);
  return new URL(location.href);
}

/** A link to one of the app's own pages: followed in place, without loading the page again. */
export function Link({ href, ...rest }: ComponentProps<'a'> & { href: string }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}
