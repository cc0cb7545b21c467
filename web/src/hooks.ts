import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { onPresence, type Viewer } from './live';

/** The current time, updated every second: SLA countdowns tick without reload. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function usePresence(): Record<string, Viewer[]> {
  const [presence, setPresence] = useState<Record<string, Viewer[]>>({});
  useEffect(() => onPresence(setPresence), []);
  return presence;
}

const typingInto = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** Single-key shortcuts, ignored while the agent types in a field. */
export function useKeys(keys: Record<string, (event: KeyboardEvent) => void>, deps: unknown[]) {
  // A layout effect swaps the listener in the same commit as the DOM: a key pressed as soon as the new
  // selection shows acts on it, not on the one before (a passive effect runs a frame later).
  useLayoutEffect(() => {
    const handle = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typingInto(event.target)) {
        // Esc leaves the field, so the single-key shortcuts work again.
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      const action = keys[event.key];
      if (!action) return;
      event.preventDefault();
      action(event);
    };
    document.addEventListener('keydown', handle);
    return () => document.removeEventListener('keydown', handle);
  }, deps);
}
