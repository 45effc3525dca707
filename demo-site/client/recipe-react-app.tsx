// The React 19 recipe's app (loaded by recipe-react.ts once the widget is defined, so React sets
// `suggestions` and `strings` as properties).
import { startTransition, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

const suggestions = ['How do I use it with React?', 'What are the widget attributes?'];
const strings = { title: 'React help' };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'grounded-chat': Record<string, unknown>;
    }
  }
}

function Help() {
  const chat = useRef<HTMLElement>(null);
  const [citations, setCitations] = useState(0);
  useEffect(() => {
    const el = chat.current!;
    const onCitation = () => setCitations((n) => n + 1);
    el.addEventListener('grounded-chat:citation', onCitation);
    return () => el.removeEventListener('grounded-chat:citation', onCitation);
  }, []);
  return (
    <>
      <grounded-chat ref={chat} endpoint="/api/chat" storage-key="demo-recipe-react" suggestions={suggestions} strings={strings} />
      <p>Citations opened: <output data-citations>{citations}</output></p>
    </>
  );
}

export function mount(el: HTMLElement): void {
  // A transition: React renders in slices and yields to the browser between them.
  startTransition(() => createRoot(el).render(<Help />));
}
